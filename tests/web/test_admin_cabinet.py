"""The admin's cabinet (R-WEB-1, R-WEB-5, R-CAB-3) in Chromium on a desktop (1280x800) and a phone (390x844), against
`kabinet run` in trusted-documents-only mode; axe-core on every screen. The demo Moscow branch admin signs in with
her password, picks a month (nothing is filled in for her), generates a group's month, reads its lessons with their
prices and publishes it (a double click publishes once); the client card shows what the services keep about a
family. What a test arranges (a clash, a transfer, a make-up) goes to the services' own endpoints as staff."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from .conftest import (
    DESKTOP,
    PHONE,
    STAFF_PASSWORD,
    VIEWPORTS,
    Cabinet,
    axe_check,
    go,
    sign_in_with_code,
    tab_to,
    watched_page,
)
from .test_teacher_cabinet import operations, sign_in_as_teacher

ADMIN = "admin.msk@kabinet.demo"
PARENT = "+79000000002"  # Igor Ivanov: Sasha, Misha (Moscow)
OTHER_BRANCH_PARENT = "+79000000003"  # Maria Orlova (Yekaterinburg)
MONTH_NAMES = ("Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь",
               "Ноябрь", "Декабрь")
LESSONS = """query($f: LessonsFilter!) { lessons(filter: $f, first: 200) { edges { node {
    id localDate published price { amount } participants { studentId price { amount } } } } } }"""
GROUPS = """query($b: ID!) { groups(branchId: $b) { id name teacherId
    memberships { id studentId familyId startsOn endsOn transferredTo } } }"""


def months_ahead(n: int) -> date:
    """The first day of the month n months from now: demo data fills only this month and the next."""
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


async def sign_in_as_admin(page: Page, url: str) -> None:
    await page.goto(f"{url}/signin")
    await page.get_by_role("tab", name="По паролю").click()
    await page.fill("input[name=login]", ADMIN)
    await page.fill("input[name=password]", STAFF_PASSWORD)
    await page.click("form button[type=submit]")
    await page.wait_for_selector("[data-testid=admin-month]", timeout=30_000)


@pytest.fixture(scope="module")
async def admin(cabinet: Cabinet) -> AsyncIterator[Page]:
    context, page, errors = await watched_page(cabinet, DESKTOP)
    await sign_in_as_admin(page, cabinet.url)
    yield page
    await context.close()
    assert errors == [], errors


async def groups(cabinet: Cabinet) -> dict[str, dict[str, Any]]:
    data = await cabinet.staff.call("scheduling", GROUPS, {"b": cabinet.branch_id}, login=ADMIN)
    return {g["name"]: g for g in data["groups"]}


async def month_lessons(cabinet: Cabinet, group_id: str, first: date) -> list[dict[str, Any]]:
    """The group's lessons of the month starting on `first` (drafts too), as scheduling keeps them."""
    after = first + timedelta(days=32)
    window = {"from": f"{first - timedelta(days=1)}T00:00:00Z", "to": f"{after:%Y-%m}-02T00:00:00Z"}
    data = await cabinet.staff.call("scheduling", LESSONS, {"f": {"groupId": group_id, **window}}, login=ADMIN)
    month = first.strftime("%Y-%m")
    return [e["node"] for e in data["lessons"]["edges"] if e["node"]["localDate"].startswith(month)]


async def no_sideways_scroll(page: Page) -> None:
    """The page fits a phone's width: nothing scrolls sideways (the month's lessons are cards on a phone)."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


async def open_month(page: Page, first: date) -> None:
    await page.locator("select[name=month]").select_option(label=MONTH_NAMES[first.month - 1])
    await page.fill("input[name=year]", str(first.year))
    await page.get_by_role("button", name="Открыть месяц").click()
    await expect(page).to_have_url(re.compile(f"month={first:%Y-%m}"))
    await expect(page.get_by_test_id("admin-groups")).to_be_visible()


async def open_group(page: Page, name: str) -> None:
    await page.get_by_test_id("admin-groups").get_by_role("button", name=re.compile(name)).click()
    await expect(page.get_by_test_id("group-month")).to_have_attribute("data-loaded", "true")


async def generate_on_desktop(page: Page, first: date, group: str) -> Any:
    """The group's month opened on a desktop and generated: its panel."""
    await page.set_viewport_size(DESKTOP)
    await go(page, "/a")
    await open_month(page, first)
    await open_group(page, group)
    panel = page.get_by_test_id("group-month")
    await panel.get_by_role("button", name="Сформировать расписание").click()
    return panel


async def test_the_admin_lands_on_her_cabinet_and_picks_a_month_herself(cabinet: Cabinet, admin: Page) -> None:
    await expect(admin).to_have_url(re.compile(r"/a$"))
    for viewport in VIEWPORTS:
        await admin.set_viewport_size(viewport)
        await go(admin, "/a")
        page = admin.get_by_test_id("admin-month")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Расписание на месяц")
        await expect(admin.get_by_test_id("admin-branch")).to_contain_text("Kabinet Moscow Center")
        # R-WEB-3: neither the month nor the year is filled in, and no month is opened for her
        assert await admin.input_value("select[name=month]") == ""
        assert await admin.input_value("input[name=year]") == ""
        await expect(page).to_have_attribute("data-month", "")
        await expect(admin.get_by_test_id("admin-groups")).to_have_count(0)
        await axe_check(admin, f"admin month empty {viewport}")
    # a month without a year is refused, not completed
    await admin.locator("select[name=month]").select_option(label="Март")
    await admin.get_by_role("button", name="Открыть месяц").click()
    await expect(admin.get_by_role("alert")).to_have_text("Выберите месяц и введите год четырьмя цифрами.")
    await expect(admin.get_by_test_id("admin-month")).to_have_attribute("data-month", "")
    await axe_check(admin, "admin month refused")


async def test_generating_reading_and_publishing_a_groups_month_once(cabinet: Cabinet, admin: Page) -> None:
    first = months_ahead(4)
    starters = (await groups(cabinet))["Starters"]
    assert await month_lessons(cabinet, starters["id"], first) == []
    await admin.set_viewport_size(DESKTOP)
    await go(admin, "/a")
    await open_month(admin, first)
    await open_group(admin, "Starters")
    panel = admin.get_by_test_id("group-month")
    await expect(panel).to_contain_text("Цена занятия в группе: 1\u00a0200\u00a0₽")
    await expect(panel.get_by_test_id("month-lessons")).to_have_count(0)
    await axe_check(admin, "group month before generating")

    await panel.get_by_role("button", name="Сформировать расписание").click()
    outcome = panel.get_by_test_id("month-outcome")
    await expect(outcome).to_contain_text(re.compile(r"Создано занятий: \d+, уже были: 0\."))
    drafts = await month_lessons(cabinet, starters["id"], first)
    assert drafts and not any(x["published"] for x in drafts)
    rows = panel.get_by_test_id("month-lesson")
    await expect(rows).to_have_count(len(drafts))
    await expect(panel.locator("[data-testid=month-lesson][data-state=draft]")).to_have_count(len(drafts))
    # Mondays and Wednesdays at 17:00 Moscow time, each at the group's price; the sum is per child on the roster
    row = rows.first
    await expect(row).to_contain_text("17:00–18:30")
    await expect(row).to_contain_text("1\u00a0200\u00a0₽")
    await expect(row.locator("td").first).to_contain_text(re.compile(r"^(Пн|Ср), "))
    await expect(panel.get_by_test_id("month-summary")).to_contain_text(f"Черновиков: {len(drafts)} · опубликовано: 0")
    await axe_check(admin, "group month drafts desktop")

    # a draft's price is changed in place: what is not a price is refused before sending
    day = row.locator("td").first
    date_text = re.sub(r"^\w+, ", "", (await day.inner_text()).strip())
    await row.get_by_role("button", name=re.compile("Изменить цену занятия")).click()
    price = row.locator("input[name=price]")
    await expect(price).to_be_focused()
    await price.fill("12,345")
    await row.get_by_role("button", name="Сохранить").click()
    await expect(row.get_by_role("alert")).to_have_text("Введите цену числом, например 1200 или 1200,50.")
    await axe_check(admin, "price refused")
    await price.fill("950,50")
    await row.get_by_role("button", name="Сохранить").click()
    await expect(outcome).to_contain_text("изменена")
    await expect(row).to_contain_text("950,50\u00a0₽")
    assert date_text
    changed = {x["id"]: x for x in await month_lessons(cabinet, starters["id"], first)}
    first_id = await row.get_attribute("data-lesson-id")
    assert changed[str(first_id)]["price"]["amount"] == "950.50"
    assert {p["price"]["amount"] for p in changed[str(first_id)]["participants"]} == {"950.50"}
    drafts = list(changed.values())

    # publishing on a phone: a double click sends one request and publishes every draft once
    await admin.set_viewport_size(PHONE)
    await axe_check(admin, "group month drafts phone")
    await no_sideways_scroll(admin)
    sent = operations(admin)
    await panel.get_by_role("button", name=f"Опубликовать ({len(drafts)})").dblclick()
    participants = sum(len(x["participants"]) for x in drafts)
    await expect(outcome).to_have_text(
        f"Опубликовано занятий: {len(drafts)}, учеников в них: {participants}. "
        "Семьи видят их в кабинете, списания начислены.")
    await expect(panel.locator("[data-testid=month-lesson][data-state=published]")).to_have_count(len(drafts))
    assert sent.count("PublishMonth") == 1, sent
    assert all(x["published"] for x in await month_lessons(cabinet, starters["id"], first))
    await expect(panel.get_by_role("button", name="Опубликовать (0)")).to_have_attribute("aria-disabled", "true")
    await expect(panel.get_by_role("button", name=re.compile("Изменить цену"))).to_have_count(0)  # published
    await axe_check(admin, "group month published phone")

    # generating again adds nothing (the API's own idempotency), and says so
    await panel.get_by_role("button", name="Сформировать расписание").click()
    await expect(outcome).to_have_text(f"Создано занятий: 0, уже были: {len(drafts)}.")
    # the month and the group are in the address: a reload opens the same
    await admin.reload()
    await expect(admin.get_by_test_id("group-month")).to_have_attribute("data-published", str(len(drafts)))
    assert await admin.input_value("input[name=year]") == str(first.year)


async def test_a_clash_is_shown_in_plain_words_in_russian_and_english(cabinet: Cabinet, admin: Page) -> None:
    first = months_ahead(5)
    starters = (await groups(cabinet))["Starters"]
    # the group's teacher gets a one-off lesson at the group's first Monday 17:00 Moscow (14:00 UTC) that month
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    start = datetime(monday.year, monday.month, monday.day, 14, 0, tzinfo=UTC)
    data = await cabinet.staff.call("scheduling", """mutation($i: CreateLessonInput!) { createLesson(input: $i) {
        lesson { id } errors { code message } } }""", {"i": {
        "branchId": cabinet.branch_id, "teacherId": starters["teacherId"], "lessonType": "individual",
        "startsAt": start.isoformat(), "endsAt": (start + timedelta(minutes=45)).isoformat(), "price": "1500.00",
        "studentIds": [cabinet.families[PARENT]["students"][0]["id"]]}}, login=ADMIN)
    assert data["createLesson"]["errors"] == [], data
    panel = await generate_on_desktop(admin, first, "Starters")
    clash = panel.get_by_test_id("month-conflicts").locator("li")
    await expect(clash).to_have_count(1)
    await expect(clash).to_have_attribute("data-code", "TEACHER_CONFLICT")
    await expect(clash).to_contain_text(f"{monday.day} ")
    await expect(clash).to_contain_text("У преподавателя в это время другое занятие.")
    await expect(panel.get_by_test_id("month-outcome")).to_contain_text("Не созданы из-за пересечений:")
    await axe_check(admin, "clash in Russian")
    await admin.get_by_role("button", name="Switch to English").click()
    await expect(clash).to_contain_text("The teacher has another lesson at this time.")
    await expect(panel.get_by_test_id("month-outcome")).to_contain_text("Not created because of clashes:")
    await axe_check(admin, "clash in English")
    await admin.get_by_role("button", name="Сменить язык").click()
    await expect(clash).to_contain_text("У преподавателя в это время другое занятие.")


async def test_the_client_card_shows_programmes_money_makeups_and_transfers(cabinet: Cabinet, admin: Page) -> None:
    family = cabinet.families[PARENT]
    sasha, misha = family["students"][0], family["students"][1]
    by_name = await groups(cabinet)
    # Sasha moves from his group to the other one next month; Misha makes up a lesson of a group he is not in
    mine = {m["studentId"]: (g, m) for g in by_name.values() for m in g["memberships"]
            if m["familyId"] == family["id"] and m["endsOn"] is None}
    old_group, membership = mine[sasha["id"]]
    new_group = next(g for g in by_name.values() if g["id"] != old_group["id"])
    move_on = months_ahead(1) + timedelta(days=14)
    transfer = {"m": membership["id"], "g": new_group["id"], "d": move_on.isoformat()}
    moved = await cabinet.staff.call("scheduling", """mutation($m: ID!, $g: ID!, $d: Date!) {
        transferGroupMember(membershipId: $m, toGroupId: $g, from: $d) { errors { code message } } }""",
                                     transfer, login=ADMIN)
    assert moved["transferGroupMember"]["errors"] == [], moved
    misha_group = mine[misha["id"]][0]
    other = next(g for g in by_name.values() if g["id"] != misha_group["id"])
    soon = [x for x in await month_lessons(cabinet, other["id"], months_ahead(1))
            if misha["id"] not in {p["studentId"] for p in x["participants"]}]
    made = await cabinet.staff.call("scheduling", """mutation($l: ID!, $s: ID!) {
        addMakeupParticipant(lessonId: $l, studentId: $s) { errors { code message } } }""",
                                    {"l": soon[-1]["id"], "s": misha["id"]}, login=ADMIN)
    assert made["addMakeupParticipant"]["errors"] == [], made

    await admin.set_viewport_size(DESKTOP)
    await go(admin, "/a/clients")
    clients = admin.get_by_test_id("admin-clients")
    await expect(clients.get_by_test_id("client").first).to_be_visible()
    total = await clients.get_by_test_id("client").count()
    assert total >= 2
    await axe_check(admin, "clients desktop")
    await admin.fill("input[name=search]", "+7 900 000-00-02")
    await expect(clients.get_by_test_id("client")).to_have_count(1)
    await admin.fill("input[name=search]", "саша")  # no Cyrillic name in the demo: nobody
    await expect(clients.get_by_test_id("client")).to_have_count(0)
    await admin.fill("input[name=search]", "ivanov igor")
    await expect(clients.get_by_test_id("client")).to_have_count(1)
    await clients.get_by_test_id("client").get_by_role("link").click()
    await expect(admin).to_have_url(re.compile(f"/a/clients/{family['id']}$"))

    card = admin.get_by_test_id("client-card")
    await expect(card).to_have_attribute("data-loaded", "true")
    await expect(card.get_by_role("heading", level=1)).to_have_text("Ivanov Igor")
    await expect(card.get_by_test_id("client-children")).to_contain_text("Sasha Ivanov")
    await expect(card.get_by_test_id("client-children")).to_contain_text("Misha Ivanov")
    programmes = card.get_by_test_id("client-programmes")
    await expect(programmes).to_contain_text(f"{new_group['name']} · Sasha Ivanov")
    await expect(programmes).to_contain_text(f"{old_group['name']} · Sasha Ivanov")
    await expect(card.get_by_test_id("client-transfers")).to_contain_text(
        f"Sasha Ivanov · {old_group['name']} → {new_group['name']}")
    await expect(card.get_by_test_id("client-makeups")).to_contain_text("Misha Ivanov · ")
    await expect(card.get_by_test_id("client-makeups")).to_contain_text(other["name"])
    await expect(card.get_by_test_id("client-subscriptions")).not_to_have_attribute("data-count", "0")
    await expect(card.get_by_test_id("client-payments")).not_to_have_attribute("data-count", "0")
    await expect(card.get_by_test_id("client-invoices")).to_be_visible()
    await expect(card.get_by_test_id("client-certificates")).to_contain_text("Справки в Kabinet пока не ведутся")
    await axe_check(admin, "client card desktop")
    await admin.set_viewport_size(PHONE)
    await axe_check(admin, "client card phone")
    await no_sideways_scroll(admin)
    await admin.get_by_role("button", name="Switch to English").click()
    await expect(card.get_by_role("heading", name="Transfers between groups")).to_be_visible()
    await axe_check(admin, "client card in English")
    await admin.get_by_role("button", name="Сменить язык").click()
    await expect(card.get_by_role("heading", name="Переводы между группами")).to_be_visible()


async def test_another_branchs_family_is_not_found(cabinet: Cabinet, admin: Page) -> None:
    other = cabinet.families[OTHER_BRANCH_PARENT]
    sent = operations(admin)
    await go(admin, f"/a/clients/{other['id']}")
    await expect(admin.get_by_test_id("not-found")).to_be_visible()
    await expect(admin.get_by_test_id("client-card")).to_have_count(0)
    assert "ClientCard" in sent  # asked, and refused by the API: the app does not decide who sees a family
    await axe_check(admin, "another branch's family")


async def test_the_month_and_a_card_with_the_keyboard_alone(cabinet: Cabinet) -> None:
    context = await cabinet.context(DESKTOP)
    page = await context.new_page()
    await sign_in_as_admin(page, cabinet.url)
    first = months_ahead(6)

    await tab_to(page, "e?.name === 'month'")
    for _ in range(first.month):  # "— choose —" -> January -> ... (a closed select moves with the arrows)
        await page.keyboard.press("ArrowDown")
    await tab_to(page, "e?.name === 'year'")
    await page.keyboard.type(str(first.year))
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("admin-month")).to_have_attribute("data-month", f"{first:%Y-%m}")
    await tab_to(page, "e?.dataset?.groupId !== undefined && e.textContent.includes('Explorers')")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("group-month")).to_have_attribute("data-loaded", "true")
    await tab_to(page, "e?.textContent === 'Сформировать расписание'")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("month-outcome")).to_contain_text("Создано занятий")
    await expect(page.get_by_test_id("group-month")).not_to_have_attribute("data-drafts", "0")
    # the focus stayed on the button pressed: the next Tab is "publish"
    await page.keyboard.press("Tab")
    assert str(await page.evaluate("document.activeElement.textContent")).startswith("Опубликовать (")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("month-outcome")).to_contain_text("Опубликовано занятий")
    await tab_to(page, "e?.textContent === 'Клиенты'")
    await page.keyboard.press("Enter")
    await tab_to(page, "e?.name === 'search'")
    await page.keyboard.type("0002")
    await tab_to(page, "e?.closest('[data-testid=client]') !== null")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("client-card")).to_have_attribute("data-loaded", "true")
    await context.close()


async def test_families_and_teachers_never_get_the_admins_cabinet(cabinet: Cabinet, admin: Page) -> None:
    parent = await cabinet.context(PHONE)
    page = await parent.new_page()
    await sign_in_with_code(page, cabinet.url, PARENT)
    sent = operations(page)
    for path in ("/a", "/a/clients", f"/a/clients/{cabinet.families[PARENT]['id']}"):
        await go(page, path)
        await expect(page.get_by_test_id("not-found")).to_be_visible()
    await axe_check(page, "admin route as a family")
    assert set(sent) <= {"RefreshSession"}, sent  # not one of the admin cabinet's queries
    await parent.close()

    teacher = await cabinet.context(PHONE)
    page = await teacher.new_page()
    await sign_in_as_teacher(page, cabinet.url)
    sent = operations(page)
    for path in ("/a", "/a/clients"):
        await go(page, path)
        await expect(page.get_by_test_id("not-found")).to_be_visible()
    assert set(sent) <= {"RefreshSession"}, sent
    await teacher.close()

    # and the admin gets neither the teacher's cabinet nor the family's; "/" leads her to hers
    sent = operations(admin)
    for path in ("/t", "/c/whatever"):
        await go(admin, path)
        await expect(admin.get_by_test_id("not-found")).to_be_visible()
    assert set(sent) <= {"RefreshSession"}, sent
    await go(admin, "/")
    await expect(admin).to_have_url(re.compile(r"/a$"))
    await expect(admin.get_by_test_id("admin-month")).to_be_visible()


async def test_a_price_refused_because_the_month_was_published_meanwhile(cabinet: Cabinet, admin: Page) -> None:
    first = months_ahead(3)
    explorers = (await groups(cabinet))["Explorers"]
    panel = await generate_on_desktop(admin, first, "Explorers")
    await expect(panel).not_to_have_attribute("data-drafts", "0")
    row = panel.get_by_test_id("month-lesson").first
    await row.get_by_role("button", name=re.compile("Изменить цену занятия")).click()
    # meanwhile another admin's desk publishes the month
    published = await cabinet.staff.call("scheduling", """mutation($b: ID!, $m: String!, $g: ID) {
        publishMonth(branchId: $b, month: $m, groupId: $g) { published errors { code } } }""",
                                         {"b": cabinet.branch_id, "m": f"{first:%Y-%m}", "g": explorers["id"]},
                                         login=ADMIN)
    assert published["publishMonth"]["published"] > 0, published
    await row.locator("input[name=price]").fill("1000")
    await row.get_by_role("button", name="Сохранить").click()
    alert = row.get_by_role("alert")
    await expect(alert).to_have_text(
        "Занятие уже опубликовано: его цену меняют через бухгалтерию (списание уже начислено).")
    await axe_check(admin, "price refused: published")
    await admin.get_by_role("button", name="Switch to English").click()
    await expect(alert).to_have_text(
        "The lesson is already published: its price is changed through billing (the charge is made).")
    await admin.get_by_role("button", name="Сменить язык").click()
    lessons = await month_lessons(cabinet, explorers["id"], first)
    assert {x["price"]["amount"] for x in lessons} == {"1400.00"}  # nothing changed


async def test_the_owner_gets_the_admins_cabinet_for_any_branch(cabinet: Cabinet) -> None:
    context = await cabinet.context(DESKTOP)
    page = await context.new_page()
    await page.goto(f"{cabinet.url}/signin")
    await page.get_by_role("tab", name="По паролю").click()
    await page.fill("input[name=login]", "owner@kabinet.demo")
    await page.fill("input[name=password]", STAFF_PASSWORD)
    await page.click("form button[type=submit]")
    await expect(page).to_have_url(re.compile(r"/a$"))
    branch = page.locator("select[name=branch]")
    await expect(branch.locator("option")).to_have_count(3)
    await axe_check(page, "owner's month")
    await branch.select_option(label="Kabinet Yekaterinburg (Yekaterinburg)")
    await go(page, "/a/clients")
    clients = page.get_by_test_id("admin-clients").get_by_test_id("client")
    await expect(clients.filter(has_text=OTHER_BRANCH_PARENT)).to_have_count(1)
    await expect(clients.filter(has_text=PARENT)).to_have_count(0)  # a Moscow family: not this branch's
    await context.close()


async def test_on_a_phone_each_lesson_is_a_card_with_its_price_button_on_screen(cabinet: Cabinet, admin: Page) -> None:
    first = months_ahead(7)
    panel = await generate_on_desktop(admin, first, "Starters")
    await expect(panel).not_to_have_attribute("data-drafts", "0")
    await admin.set_viewport_size(PHONE)
    region = admin.get_by_role("region", name="Занятия месяца")
    # nothing of the lessons scrolls sideways, the region's own scroll included
    assert await region.evaluate("(e) => e.scrollWidth <= e.clientWidth"), "the lessons scroll sideways"
    await no_sideways_scroll(admin)
    row = panel.get_by_test_id("month-lesson").first
    button = row.get_by_role("button", name=re.compile("Изменить цену занятия"))
    await button.scroll_into_view_if_needed()
    await expect(button).to_be_visible()
    await expect(row).to_contain_text("1\u00a0200\u00a0₽")
    await expect(row).to_contain_text("черновик")
    # the price with its button, the students, the sum and the state: every cell within the phone's width
    boxes = [await button.bounding_box()] + [await td.bounding_box() for td in await row.locator("td").all()]
    assert len(boxes) == 7 and all(b and b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] for b in boxes), boxes
    await axe_check(admin, "month as cards on a phone")
    folder = os.environ.get("KABINET_WEB_SHOTS")
    if folder:
        await admin.screenshot(path=f"{folder}/month-cards-390x844.png")
    await button.click()
    price = row.locator("input[name=price]")
    await expect(price).to_be_focused()
    box = await row.get_by_role("button", name="Сохранить").bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"], box
    await row.get_by_role("button", name="Отмена").click()
    # the desktop keeps the table: one line a lesson, its column headers shown
    await admin.set_viewport_size(DESKTOP)
    await expect(panel.locator("thead")).to_be_visible()
    cells = await row.locator("td").evaluate_all("(tds) => tds.map((td) => Math.round(td.getBoundingClientRect().top))")
    assert len(set(cells)) == 1, cells
