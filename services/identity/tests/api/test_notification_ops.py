"""Notifications beyond lessons and money (docs/notifications.md): a package ending soon (billing's
billing.subscription.ending) and the answer to a family's question; an SMS charged once per message however often
it is tried; old notifications cleaned up. On PostgreSQL + RabbitMQ and again in embedded mode (SQLite + the
in-process bus), as test_notifications."""

from __future__ import annotations

import uuid

from identity_testkit import ASK, Env, admin_of, make_branch, new_phone
from test_notifications import (  # noqa: F401 - nenv and sqlite_env are fixtures
    PREFS,
    _as,
    _event,
    _family,
    _publish,
    _rows,
    _wait_rows,
    nenv,
    sqlite_env,
)

from identity.domain.model import Guardian, new_id

TOPIC = """mutation($i: SetQuestionTopicInput!) { setQuestionTopic(input: $i) { errors { code } } }"""
ANSWER = """mutation($q: ID!, $a: String!) { answerQuestion(questionId: $q, answer: $a) { question { id status } } }"""


def _ending(fam: dict[str, object], student_id: str, left: int = 2) -> object:
    return _event("billing.subscription.ending", subscription_id=str(uuid.uuid4()), family_id=fam["id"],
                  student_id=student_id, branch_id=None, name="8 lessons", lessons_left=left, lessons_total=8,
                  valid_until="2027-01-31")


async def test_a_package_ending_tells_the_family_in_the_cabinet_and_by_email_once(nenv: Env) -> None:
    env = nenv
    branch = await make_branch(env)
    (fam, g), (_, other_g) = await _family(env, branch), await _family(env, branch)
    kid = fam["students"][0]["id"]
    ending = _ending(fam, kid)
    await _publish(env, ending, ending)  # redelivered: told once
    got = await _wait_rows(env, 2, guardian_id=g.id)
    assert sorted((r.kind, r.channel) for r in got) == [("subscription_ending", "cabinet"),
                                                        ("subscription_ending", "email")]
    assert {r.event_id for r in got} == {ending.id}  # type: ignore[attr-defined]
    assert got[0].text == "Kid0: в абонементе «8 lessons» осталось занятий: 2. Продлите его, чтобы занятия не " \
                          "прерывались."
    assert await _rows(env, guardian_id=other_g.id) == []
    # On by email by default (money due before the next lessons); the answer to a question only in the cabinet.
    defaults = (await env.ok(PREFS, who=_as(g)))["notificationPreferences"]
    assert "SUBSCRIPTION_ENDING" in defaults["email"] and "QUESTION_ANSWERED" not in defaults["email"]
    assert {"SUBSCRIPTION_ENDING", "QUESTION_ANSWERED"} <= set(defaults["cabinet"])


async def test_an_answer_tells_the_guardian_who_asked_only(nenv: Env) -> None:
    env = nenv
    branch = await make_branch(env)
    fam, asker = await _family(env, branch)
    other = Guardian(new_id(), fam["id"], new_phone(), "Ivan", "Petrov")  # the family's second guardian
    async with env.runtime.unit_of_work() as uow:
        await uow.guardians.add(other)
        await uow.commit()
    await env.ok(TOPIC, {"i": {"code": "schedule", "title": "Schedule", "responseHours": 4, "branchId": branch}},
                 admin_of(branch))
    asked = (await env.ok(ASK, {"i": {"topic": "schedule", "text": "Can Kid0 move to Friday?"}}, _as(asker))
             )["askQuestion"]["question"]
    assert await _rows(env, guardian_id=asker.id, kind="question_answered") == []  # asking tells no one
    await env.ok(ANSWER, {"q": asked["id"], "a": "Yes, from next week."}, admin_of(branch))
    [told] = await _wait_rows(env, 1, guardian_id=asker.id, kind="question_answered")
    assert (told.channel, told.subject) == ("cabinet", "Ответ на ваш вопрос")
    assert told.text == "Вы спросили: «Can Kid0 move to Friday?»\nОтвет: Yes, from next week."
    shown = (await env.ok("{ myNotifications { items { kind text } } }", None, _as(asker)))["myNotifications"]
    assert shown["items"][0] == {"kind": "QUESTION_ANSWERED", "text": told.text}
    assert await _rows(env, guardian_id=other.id) == []
