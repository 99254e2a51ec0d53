"""The teacher's cabinet (R-WEB-1, R-WEB-4, R-SCH-9, R-LRN-1/2/4) in Chromium on a phone (390x844) and a desktop
(1280x800), against `kabinet run` in trusted-documents-only mode; axe-core on every screen. The demo teacher signs
in with her password; the lessons whose sheets she fills are made for each test in the past by the branch admin on
scheduling's own endpoint, and what was saved is read back from learning's."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Locator, Page, Request, expect

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

TEACHER = "olga.smirnova@kabinet.demo"
ADMIN = "admin.msk@kabinet.demo"
PARENT = "+79000000002"  # Igor Ivanov: Sasha, Misha (Moscow)

SHEET = """query($l: ID!) { lessonSheet(lessonId: $l) { revision summary homework
    students { studentId attendance homeworkDone grade comment } } }"""
_hours_back = iter(range(30, 24 * 20, 2))  # each test's lesson at its own past morning hour: no teacher conflict


async def _teacher_id(cabinet: Cabinet) -> str:
    data = await cabinet.staff.call("identity", "query($b: ID!) { staffMembers(branchId: $b) { id email } }",
                                    {"b": cabinet.branch_id}, login=ADMIN)
    return str(next(s["id"] for s in data["staffMembers"] if s["email"] == TEACHER))


async def lesson_for_teacher(cabinet: Cabinet, *, past: bool = True) -> tuple[str, dict[str, Any]]:
    """A one-off lesson of the demo teacher with one demo child: ended (its sheet unfilled), or tomorrow.
    Morning hours (05:00-09:00 UTC) keep clear of her evening groups."""
    child = cabinet.families[PARENT]["students"][0]
    day = datetime.now(UTC).replace(hour=5, minute=0, second=0, microsecond=0)
    if past:
        back = next(_hours_back)
        start = day - timedelta(days=back // 4 + 1) + timedelta(hours=back % 4)
    else:
        start = day + timedelta(days=2)
    lesson = {"branchId": cabinet.branch_id, "teacherId": await _teacher_id(cabinet), "lessonType": "individual",
              "startsAt": start.isoformat(), "endsAt": (start + timedelta(minutes=45)).isoformat(),
              "price": "1500.00", "studentIds": [child["id"]]}
    data = await cabinet.staff.call("scheduling", """mutation($i: CreateLessonInput!) { createLesson(input: $i) {
        lesson { id } errors { code message } } }""", {"i": lesson}, login=ADMIN)
    assert data["createLesson"]["errors"] == [], data
    lesson_id = str(data["createLesson"]["lesson"]["id"])
    # learning knows the lesson from scheduling's event: wait until it does (the sheet page needs its roster). Until
    # then learning answers FORBIDDEN, as for a lesson that is not the caller's (an id tells nothing).
    for _ in range(100):
        answer = await cabinet.staff.answer("learning", SHEET, {"l": lesson_id}, login=ADMIN)
        sheet = (answer.get("data") or {}).get("lessonSheet")
        if sheet and sheet["students"]:
            break
        assert all(e["extensions"]["code"] == "FORBIDDEN" for e in answer.get("errors", [])), answer
        await asyncio.sleep(0.1)
    return lesson_id, child


async def server_sheet(cabinet: Cabinet, lesson_id: str) -> dict[str, Any]:
    sheet: dict[str, Any] = (await cabinet.staff.call("learning", SHEET, {"l": lesson_id}, login=ADMIN))["lessonSheet"]
    return sheet


async def sign_in_as_teacher(page: Page, url: str) -> None:
    await page.goto(f"{url}/signin")
    await page.get_by_role("tab", name="По паролю").click()
    await page.fill("input[name=login]", TEACHER)
    await page.fill("input[name=password]", STAFF_PASSWORD)
    await page.click("form button[type=submit]")
    await page.wait_for_selector("[data-testid=teacher-home][data-loaded=true]", timeout=30_000)


def operations(page: Page) -> list[str]:
    """The GraphQL operations the page sends from now on, by name."""
    names: list[str] = []

    def seen(request: Request) -> None:
        if request.url.endswith("/graphql") and request.method == "POST" and request.post_data:
            names.append(str(json.loads(request.post_data).get("operationName")))

    page.on("request", seen)
    return names


@pytest.fixture(scope="module")
async def teacher(cabinet: Cabinet) -> AsyncIterator[Page]:
    context, page, errors = await watched_page(cabinet, PHONE)
    await sign_in_as_teacher(page, cabinet.url)
    yield page
    await context.close()
    assert errors == [], errors


async def teacher_on_a_new_sheet(cabinet: Cabinet, viewport: dict[str, int]) -> tuple[
        BrowserContext, Page, str, dict[str, Any]]:
    """A teacher signed in on a browser of her own, on the sheet of a lesson made for the test."""
    lesson_id, child = await lesson_for_teacher(cabinet)
    context = await cabinet.context(viewport)
    page = await context.new_page()
    await sign_in_as_teacher(page, cabinet.url)
    await open_sheet(page, lesson_id)
    return context, page, lesson_id, child


async def open_sheet(page: Page, lesson_id: str) -> None:
    await go(page, f"/t/lessons/{lesson_id}")
    await expect(page.locator(f"[data-testid=sheet-page][data-lesson-id='{lesson_id}'] [data-testid=sheet-student]")
                 .first).to_be_visible()


async def press_save(page: Page) -> Locator:
    """Save (the sheet's one button); the sheet's status, to wait on."""
    await page.get_by_role("button", name="Сохранить итоги").click()
    return page.get_by_test_id("sheet-status")


def student_marks(page: Page, child: dict[str, Any]) -> Any:
    return page.locator(f"[data-testid=sheet-student][data-student-id='{child['id']}']")


async def test_sign_in_lands_on_the_week_and_the_unfilled_sheets(cabinet: Cabinet, teacher: Page) -> None:
    lesson_id, _ = await lesson_for_teacher(cabinet)
    await teacher.reload()  # signed in before the lesson was made; the session survives a reload (its cookie)
    for viewport in VIEWPORTS:
        await teacher.set_viewport_size(viewport)
        await go(teacher, "/t")
        await expect(teacher).to_have_url(re.compile(r"/t$"))
        home = teacher.get_by_test_id("teacher-home")
        await expect(home.get_by_role("heading", level=1)).to_have_text("Здравствуйте, Olga")
        # the sheets to fill come first, the ended lesson among them
        unfilled = home.get_by_test_id("unfilled-sheets")
        await expect(unfilled.locator(f"[data-lesson-id='{lesson_id}']")).to_be_visible()
        # the week: her group's lessons, time in the branch's zone, the group, the course and the room
        week = home.get_by_test_id("teacher-week")
        row = week.get_by_test_id("teacher-lesson").filter(has_text="Starters").first
        await expect(row).to_contain_text(re.compile(r"\d\d:\d\d–\d\d:\d\d"))
        await expect(row).to_contain_text("English A1")
        await expect(row).to_contain_text("кабинет Room 1")
        await axe_check(teacher, f"teacher home {viewport}")
    # the Starters group meets at 17:00 Moscow time, whatever the phone's zone
    await expect(teacher.get_by_test_id("teacher-week").get_by_test_id("teacher-lesson")
                 .filter(has_text="Starters").first).to_contain_text("17:00–18:30")
    await teacher.get_by_role("button", name="Switch to English").click()
    await expect(teacher.get_by_role("heading", name="Lesson sheets to fill in")).to_be_visible()
    await axe_check(teacher, "teacher home in English")
    await teacher.get_by_role("button", name="Сменить язык").click()
    await expect(teacher.get_by_role("heading", name="Итоги не заполнены")).to_be_visible()


async def test_a_teacher_never_gets_the_family_cabinet(cabinet: Cabinet, teacher: Page) -> None:
    child = cabinet.families[PARENT]["students"][0]
    sent = operations(teacher)
    await go(teacher, f"/c/{child['id']}")
    await expect(teacher.get_by_test_id("not-found")).to_be_visible()
    await go(teacher, "/c/whatever/money")
    await expect(teacher.get_by_test_id("not-found")).to_be_visible()
    await axe_check(teacher, "family route as a teacher")
    assert set(sent) <= {"RefreshSession"}, sent  # not one of the family cabinet's queries
    await go(teacher, "/")
    await expect(teacher).to_have_url(re.compile(r"/t$"))
    await expect(teacher.get_by_test_id("teacher-home")).to_be_visible()


async def test_a_family_never_gets_the_teachers_cabinet(cabinet: Cabinet) -> None:
    context = await cabinet.context(PHONE)
    page = await context.new_page()
    await sign_in_with_code(page, cabinet.url, PARENT)
    sent = operations(page)
    await go(page, "/t")
    await expect(page.get_by_test_id("not-found")).to_be_visible()
    await go(page, "/t/lessons/some-lesson")
    await expect(page.get_by_test_id("not-found")).to_be_visible()
    await axe_check(page, "teacher route as a family")
    assert set(sent) <= {"RefreshSession"}, sent
    await context.close()


async def test_filling_and_saving_a_sheet_on_a_phone(cabinet: Cabinet, teacher: Page) -> None:
    lesson_id, child = await lesson_for_teacher(cabinet)
    await teacher.set_viewport_size(PHONE)
    await go(teacher, "/t")
    await teacher.reload()  # the list as it is now, with the lesson just made
    await teacher.get_by_test_id("unfilled-sheets").locator(f"[data-lesson-id='{lesson_id}'] a").click()
    await expect(teacher).to_have_url(re.compile(f"/t/lessons/{lesson_id}$"))
    page = teacher.get_by_test_id("sheet-page")
    await expect(page.get_by_test_id("sheet-time")).to_contain_text("Europe/Moscow")
    await expect(page.get_by_test_id("sheet-status")).to_have_attribute("data-state", "empty")
    await axe_check(teacher, "sheet phone")
    await teacher.fill("textarea[name=summary]", "Past simple: questions")
    await teacher.fill("textarea[name=homework]", "Workbook p. 31")
    marks = student_marks(teacher, child)
    await expect(marks).to_contain_text(f"{child['firstName']} {child['lastName']}")
    # every choice is a large touch target
    box = await marks.locator("label.choice__option").first.bounding_box()
    assert box and box["height"] >= 44, box
    await marks.get_by_role("radio", name="Был", exact=True).check()
    await marks.get_by_role("radio", name="Да", exact=True).check()
    await marks.get_by_role("radio", name="5", exact=True).check()
    await marks.locator("textarea").fill("Хорошо отвечал у доски")
    status = await press_save(teacher)
    await expect(status).to_have_attribute("data-state", "saved")
    await expect(status).to_contain_text("Итоги сохранены")
    await axe_check(teacher, "sheet saved phone")
    sheet = await server_sheet(cabinet, lesson_id)
    assert sheet["revision"] == 1
    assert (sheet["summary"], sheet["homework"]) == ("Past simple: questions", "Workbook p. 31")
    assert sheet["students"] == [{"studentId": child["id"], "attendance": "PRESENT", "homeworkDone": "YES",
                                  "grade": "5", "comment": "Хорошо отвечал у доски"}]
    # opened again, the sheet shows as saved, with its marks; the home no longer lists it as unfilled
    await go(teacher, "/t")
    await expect(teacher.get_by_test_id("teacher-home")).to_be_visible()
    await expect(teacher.locator(f"[data-testid=unfilled-sheets] [data-lesson-id='{lesson_id}']")).to_have_count(0)
    await open_sheet(teacher, lesson_id)
    await expect(teacher.get_by_test_id("sheet-status")).to_have_attribute("data-state", "saved")
    await expect(student_marks(teacher, child).get_by_role("radio", name="Был", exact=True)).to_be_checked()
    await teacher.set_viewport_size(DESKTOP)
    await axe_check(teacher, "sheet desktop")


async def test_a_sheet_with_the_keyboard_alone(cabinet: Cabinet) -> None:
    context, page, lesson_id, child = await teacher_on_a_new_sheet(cabinet, DESKTOP)

    await tab_to(page, "e?.name === 'summary'")
    await page.keyboard.type("Reading")
    await tab_to(page, f"e?.name === 'attendance-{child['id']}'")
    await page.keyboard.press("ArrowRight")  # present -> late
    await tab_to(page, f"e?.name === 'grade-{child['id']}'")
    for _ in range(4):
        await page.keyboard.press("ArrowRight")  # none -> 1 -> 2 -> 3 -> 4
    await tab_to(page, f"e?.name === 'comment-{child['id']}'")
    await page.keyboard.type("Опоздал на 10 минут")
    await tab_to(page, "e?.type === 'submit'")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("sheet-status")).to_have_attribute("data-state", "saved")
    sheet = await server_sheet(cabinet, lesson_id)
    assert sheet["summary"] == "Reading"
    assert sheet["students"] == [{"studentId": child["id"], "attendance": "LATE", "homeworkDone": None,
                                  "grade": "4", "comment": "Опоздал на 10 минут"}]
    await context.close()


async def test_refusals_are_shown_in_plain_words(cabinet: Cabinet, teacher: Page) -> None:
    lesson_id, child = await lesson_for_teacher(cabinet, past=False)  # the day after tomorrow: not started
    await teacher.set_viewport_size(PHONE)
    await open_sheet(teacher, lesson_id)
    marks = student_marks(teacher, child)
    # a grade without attendance is caught before sending
    await marks.get_by_role("radio", name="4", exact=True).check()
    await teacher.get_by_role("button", name="Сохранить итоги").click()
    await expect(teacher.get_by_role("alert").filter(has_text="Отметьте посещаемость")).to_contain_text(
        child["firstName"])
    await marks.get_by_role("radio", name="Был", exact=True).check()
    status = await press_save(teacher)
    await expect(status).to_have_attribute("data-state", "rejected")
    await expect(status).to_have_text("Итоги не сохранены: Занятие ещё не началось.")
    await axe_check(teacher, "sheet refused")
    await teacher.get_by_role("button", name="Switch to English").click()
    await expect(status).to_have_text("The sheet was not saved: The lesson has not started yet.")
    await teacher.get_by_role("button", name="Сменить язык").click()
    assert (await server_sheet(cabinet, lesson_id))["revision"] == 0
    await teacher.evaluate("localStorage.clear()")


async def _kept(page: Page, lesson_id: str) -> list[str]:
    """The lesson's sheet kept in the browser's storage (not sent yet), if any."""
    return list(await page.evaluate(
        "(id) => Object.keys(localStorage).filter((k) => k.startsWith('kabinet.sheets.') && k.endsWith(id))",
        lesson_id))


async def test_marks_made_offline_are_kept_and_sent_when_the_network_is_back(cabinet: Cabinet, teacher: Page) -> None:
    lesson_id, child = await lesson_for_teacher(cabinet)
    await teacher.set_viewport_size(PHONE)
    await open_sheet(teacher, lesson_id)
    context: BrowserContext = teacher.context
    await context.set_offline(True)
    try:
        await expect(teacher.get_by_test_id("offline")).to_be_visible()
        await teacher.fill("textarea[name=summary]", "Marked in the basement")
        marks = student_marks(teacher, child)
        await marks.get_by_role("radio", name="Не был", exact=True).check()
        status = await press_save(teacher)
        await expect(status).to_have_attribute("data-state", "pending")
        await expect(status).to_contain_text("Не отправлено")
        await axe_check(teacher, "sheet kept offline")
        assert len(await _kept(teacher, lesson_id)) == 1
        assert (await server_sheet(cabinet, lesson_id))["revision"] == 0  # nothing reached the server
    finally:
        await context.set_offline(False)
    await expect(teacher.get_by_test_id("sheet-status")).to_have_attribute("data-state", "saved", timeout=20_000)
    sheet = await server_sheet(cabinet, lesson_id)
    assert sheet["revision"] == 1
    assert sheet["summary"] == "Marked in the basement"
    assert [s["attendance"] for s in sheet["students"]] == ["ABSENT"]
    assert await _kept(teacher, lesson_id) == []


async def test_marks_kept_offline_are_sent_on_the_next_open(cabinet: Cabinet) -> None:
    context, page, lesson_id, child = await teacher_on_a_new_sheet(cabinet, PHONE)
    await context.set_offline(True)
    await student_marks(page, child).get_by_role("radio", name="Был", exact=True).check()
    await page.get_by_role("button", name="Сохранить итоги").click()
    await expect(page.get_by_test_id("sheet-status")).to_have_attribute("data-state", "pending")
    await page.close()  # the phone's browser closed the tab while offline
    await context.set_offline(False)
    assert (await server_sheet(cabinet, lesson_id))["revision"] == 0
    page = await context.new_page()
    await page.goto(f"{cabinet.url}/t")  # the session comes back from its cookie, the kept sheet goes out
    await page.wait_for_selector("[data-testid=teacher-home][data-loaded=true]", timeout=30_000)
    for _ in range(100):
        if (await server_sheet(cabinet, lesson_id))["revision"] == 1:
            break
        await asyncio.sleep(0.2)
    assert [s["attendance"] for s in (await server_sheet(cabinet, lesson_id))["students"]] == ["PRESENT"]
    await expect(page.get_by_test_id("kept-sheets")).to_have_count(0)
    # once sent, it is not listed among the unfilled sheets either (the list reloads)
    await expect(page.locator(f"[data-testid=unfilled-sheets] [data-lesson-id='{lesson_id}']")).to_have_count(0)
    await expect(page.get_by_test_id("teacher-home")).to_contain_text("Итоги не заполнены")
    assert await _kept(page, lesson_id) == []
    await context.close()


async def test_a_sheet_changed_meanwhile_is_a_conflict_not_overwritten(cabinet: Cabinet, teacher: Page) -> None:
    lesson_id, child = await lesson_for_teacher(cabinet)
    await teacher.set_viewport_size(PHONE)
    await open_sheet(teacher, lesson_id)
    await teacher.context.set_offline(True)
    try:
        await teacher.fill("textarea[name=summary]", "The teacher's summary")
        await student_marks(teacher, child).get_by_role("radio", name="Был", exact=True).check()
        await teacher.get_by_role("button", name="Сохранить итоги").click()
        await expect(teacher.get_by_test_id("sheet-status")).to_have_attribute("data-state", "pending")
        # meanwhile the branch admin fills the same sheet from the desk
        await cabinet.staff.call("learning", """mutation($l: ID!, $s: ID!) { saveLessonSheet(input: {lessonId: $l,
            summary: "The admin's summary", students: [{studentId: $s, attendance: ABSENT}]}) {
            sheet { revision } errors { code } } }""", {"l": lesson_id, "s": child["id"]}, login=ADMIN)
    finally:
        await teacher.context.set_offline(False)
    status = teacher.get_by_test_id("sheet-status")
    await expect(status).to_have_attribute("data-state", "conflict", timeout=20_000)
    await expect(status).to_contain_text("уже изменил кто-то другой")
    await expect(teacher.get_by_test_id("sheet-theirs")).to_contain_text("The admin's summary")
    await axe_check(teacher, "sheet conflict")
    sheet = await server_sheet(cabinet, lesson_id)
    assert (sheet["revision"], sheet["summary"]) == (1, "The admin's summary")  # not silently overwritten
    # the teacher decides: her marks over the admin's
    await teacher.get_by_role("button", name="Сохранить мои поверх").click()
    await expect(status).to_have_attribute("data-state", "saved")
    sheet = await server_sheet(cabinet, lesson_id)
    assert (sheet["revision"], sheet["summary"]) == (2, "The teacher's summary")
    assert [s["attendance"] for s in sheet["students"]] == ["PRESENT"]
    assert await _kept(teacher, lesson_id) == []
