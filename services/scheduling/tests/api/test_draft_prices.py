"""A draft lesson's price (setDraftLessonPrice): the branch admin adjusts a generated lesson before the month is
published (R-WEB-5: "fills a group's month with prices"); once published, billing charges from the published price,
so the price no longer changes here. Bad input changes nothing."""

from __future__ import annotations

import pytest
from scheduling_testkit import Env, lessons_of, ok, user_error
from test_drafts import MONTH, draft_month

pytestmark = pytest.mark.integration

SET_PRICE = """mutation($l: ID!, $p: Decimal!) { setDraftLessonPrice(lessonId: $l, price: $p) {
  lesson { id price { amount } published participants { studentId price { amount } } } errors { code field } } }"""
CANCEL = """mutation($l: ID!) { cancelLesson(lessonId: $l, reason: "closed") { errors { code } } }"""
PUBLISH = """mutation($b: ID!, $m: String!, $g: ID) { publishMonth(branchId: $b, month: $m, groupId: $g) {
  published errors { code } } }"""


async def test_a_drafts_price_changes_for_the_lesson_and_everyone_on_it_at_the_old_price(env: Env) -> None:
    d = await draft_month(env)
    before = {x["id"]: x for x in await lessons_of(env, d.w.admin, groupId=d.group)}
    first = before[d.lessons[0]]
    old = first["price"]["amount"]
    assert {p["price"]["amount"] for p in first["participants"]} == {old}  # the member and the booked sibling
    changed = await env.gql(d.w.admin, SET_PRICE, {"l": d.lessons[0], "p": "950.50"})
    lesson = ok(changed, "setDraftLessonPrice")["lesson"]
    assert lesson["price"]["amount"] == "950.50" and lesson["published"] is False
    assert {p["studentId"]: p["price"]["amount"] for p in lesson["participants"]} == {d.kid: "950.50",
                                                                                      d.sibling: "950.50"}
    after = {x["id"]: x for x in await lessons_of(env, d.w.admin, groupId=d.group)}
    assert after[d.lessons[0]]["price"]["amount"] == "950.50"
    assert after[d.lessons[1]] == before[d.lessons[1]]  # only that lesson
    # the same price again is no change and no error (a retried request)
    ok(await env.gql(d.w.admin, SET_PRICE, {"l": d.lessons[0], "p": "950.50"}), "setDraftLessonPrice")
    # publishing carries the adjusted price
    assert ok(await env.gql(d.w.admin, PUBLISH, {"b": d.w.branch_id, "m": MONTH, "g": d.group}),
              "publishMonth")["published"] == 4
    published = {x["id"]: x for x in await lessons_of(env, d.w.admin, groupId=d.group)}
    assert published[d.lessons[0]]["price"]["amount"] == "950.50" and published[d.lessons[0]]["published"]


async def test_a_published_cancelled_or_negative_price_is_refused_and_changes_nothing(env: Env) -> None:
    d = await draft_month(env)
    assert user_error(await env.gql(d.w.admin, SET_PRICE, {"l": d.lessons[0], "p": "-1"}),
                      "setDraftLessonPrice") == "INVALID_PRICE"
    ok(await env.gql(d.w.admin, CANCEL, {"l": d.lessons[1]}), "cancelLesson")
    assert user_error(await env.gql(d.w.admin, SET_PRICE, {"l": d.lessons[1], "p": "10"}),
                      "setDraftLessonPrice") == "LESSON_CANCELLED"
    await d.publish(env)
    before = await lessons_of(env, d.w.admin, groupId=d.group)
    assert user_error(await env.gql(d.w.admin, SET_PRICE, {"l": d.lessons[0], "p": "10"}),
                      "setDraftLessonPrice") == "LESSON_PUBLISHED"
    assert await lessons_of(env, d.w.admin, groupId=d.group) == before


async def test_only_the_branchs_admins_and_the_owner_set_a_drafts_price(env: Env) -> None:
    d = await draft_month(env)
    other = await draft_month(env)  # another branch's admin
    for who in (d.guardian, d.w.teacher(0), other.w.admin):
        result = await env.gql(who, SET_PRICE, {"l": d.lessons[0], "p": "10"})
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", result
    found = await lessons_of(env, d.w.admin, groupId=d.group)
    assert found[0]["price"]["amount"] != "10.00"
