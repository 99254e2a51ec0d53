"""The family's notifications in Chromium on a phone (390x844) and a desktop (1280x800), against `kabinet run` in
trusted-documents-only mode: the bell's unread count, the list (newest first, "show more" by cursor, "mark all
read", links), and the preferences with the API's typed errors in Russian and English. Every notice comes from a
real event made through the services' API in the test (a payment at the front desk, a grade in a lesson sheet).
Screenshots go to /tmp/kabinet-notifications-*.png."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from playwright.async_api import Page, expect

from .conftest import DESKTOP, PHONE, VIEWPORTS, Cabinet, axe_check, go, signed_in_family, tab_to
from .test_family_cabinet import ADMIN, SHEET, _past_lesson

GUARDIAN = "+79000000002"  # Igor Ivanov: Sasha, Misha (Moscow) - test_family_cabinet's parent is another family
PAYMENT = """mutation($f: ID!, $a: Decimal!) { recordPayment(input: {familyId: $f, amount: $a, method: CASH}) {
    payment { id } errors { code } } }"""
LIVE = 20_000  # ms: the event goes billing/learning -> identity (the notice) and -> the gateway (the live stamp)
POLLED = 45_000  # ms: a notice recorded after the looks that follow its event shows on the list's 30-s read


@pytest.fixture(scope="module")
async def parent(cabinet: Cabinet) -> AsyncIterator[Page]:
    async with signed_in_family(cabinet, GUARDIAN) as page:
        yield page


def children(cabinet: Cabinet) -> list[dict[str, Any]]:
    return list(cabinet.families[GUARDIAN]["students"])


async def pay(cabinet: Cabinet, amount: str) -> None:
    got = await cabinet.staff.call("billing", PAYMENT, {"f": cabinet.families[GUARDIAN]["id"], "a": amount},
                                   login=ADMIN)
    assert got["recordPayment"]["errors"] == [], got


async def open_list(page: Page, child_id: str) -> None:
    await go(page, f"/c/{child_id}/notifications")
    await expect(page.get_by_role("heading", level=1, name="Уведомления")).to_be_visible()
    await expect(page.get_by_test_id("unread-count")).not_to_be_empty()


async def settled(page: Page, child_id: str) -> None:
    """Wait out the demo's own events: `kabinet run` seeds the school and charges its past lessons as the stack
    starts, and identity records those notices for a while. Settled: the unread count the same for 15 s."""
    await open_list(page, child_id)
    count = page.get_by_test_id("unread-count")
    last, still = "", 0
    for _ in range(80):
        await go(page, f"/c/{child_id}")
        await open_list(page, child_id)
        await asyncio.sleep(0.5)  # the bell's and the list's reads done
        now = await count.inner_text()
        still = still + 1 if now == last else 0
        if still >= 6:
            return
        last = now
        await asyncio.sleep(2)
    raise AssertionError("the demo's notices never settled")


async def mark_all(page: Page) -> None:
    button = page.get_by_role("button", name="Отметить все прочитанными")
    if await button.is_enabled():
        await button.click()
        await expect(page.get_by_text("Все уведомления отмечены прочитанными.")).to_be_visible()
    await expect(page.get_by_test_id("unread-count")).to_have_text("Все уведомления прочитаны.")


async def shoot(page: Page, name: str) -> None:
    size = page.viewport_size or PHONE
    await page.screenshot(path=f"/tmp/kabinet-notifications-{name}-{size['width']}x{size['height']}.png")


async def test_a_payment_and_a_grade_become_notices_the_bell_counts(cabinet: Cabinet, parent: Page) -> None:
    sasha = children(cabinet)[0]
    await settled(parent, sasha["id"])
    await mark_all(parent)
    bell = parent.get_by_test_id("notifications-bell")
    await expect(bell).to_have_accessible_name("Уведомления: непрочитанных нет")
    await expect(bell.locator(".bell__count")).to_have_count(0)

    # A payment at the front desk: the notice is on top of the open list, and the bell counts it - in words too.
    await pay(cabinet, "1234.00")
    notices = parent.get_by_test_id("notice")
    await expect(notices.first).to_contain_text("Оплата получена", timeout=LIVE)
    await expect(notices.first).to_contain_text("1234")
    await expect(notices.first).to_have_attribute("data-read", "false")
    await expect(notices.first.locator(".badge--new")).to_have_text("Новое")  # not colour alone
    await expect(notices.first.locator("time")).to_contain_text(re.compile(r"^сегодня, \d\d:\d\d$"))
    await expect(bell).to_have_accessible_name("Уведомления: 1 непрочитанное", timeout=LIVE)
    await expect(bell.locator(".bell__count")).to_have_text("1")
    await expect(parent.get_by_test_id("unread-count")).to_have_text("1 непрочитанное")
    await expect(notices.first.get_by_role("link", name="К балансу")).to_have_attribute(
        "href", f"/c/{sasha['id']}/money")

    # A grade in the lesson's sheet: "Саша: оценка 5." links to that child's progress; its homework to the lesson.
    # learning posts a grade only when it changes: 4, then 5, so that "5" is posted whatever the demo had put there
    # (and homework only when it changes: this run's own words)
    lesson_id = await _past_lesson(cabinet, sasha["id"])
    homework = f"Ex. {datetime.now().strftime('%H%M%S%f')}"
    for grade_given in ("4", "5"):
        await cabinet.staff.call("learning", SHEET.replace('grade: "5"', f'grade: "{grade_given}"')
                                 .replace("Ex. 5 p. 31", homework), {"l": lesson_id, "s": sasha["id"]}, login=ADMIN)
    # (the demo has graded Sasha before: the new one is the unread one)
    # (when the demo's grade was not 4, the 4 is a notice too: look for the 5's)
    grade = parent.locator("[data-testid=notice][data-read=false]").filter(has_text="Новая оценка").filter(
        has_text=f"{sasha['firstName']}: оценка 5")
    await expect(grade).to_have_count(1, timeout=POLLED)
    # The notices name their child and lesson by id: the homework opens that very lesson under Sasha, and the
    # grade, read in the other child's cabinet, still leads to Sasha's progress.
    assigned = notices.filter(has_text=homework)
    await expect(assigned).to_have_count(1, timeout=POLLED)
    await expect(assigned.get_by_role("link", name="К домашнему заданию")).to_have_attribute(
        "href", f"/c/{sasha['id']}/lessons/{lesson_id}")
    await open_list(parent, children(cabinet)[1]["id"])
    await expect(grade.first.get_by_role("link", name="К успеваемости")).to_have_attribute(
        "href", f"/c/{sasha['id']}/progress")
    await open_list(parent, sasha["id"])
    await expect(bell).to_have_accessible_name(re.compile(r"^Уведомления: \d+ непрочитанн"), timeout=LIVE)
    # newest first: the times the page shows are in descending order
    stamps = [await t.get_attribute("datetime") for t in await parent.locator("[data-testid=notice] time").all()]
    instants = [datetime.fromisoformat(str(s)) for s in stamps]
    assert instants == sorted(instants, reverse=True), stamps

    for viewport in VIEWPORTS:
        await parent.set_viewport_size(viewport)
        await axe_check(parent, f"notifications {viewport}")
        await shoot(parent, "list")
    await parent.set_viewport_size(PHONE)

    # "Mark all read": the notices lose their "new" mark, the bell its number; the server keeps it so.
    await mark_all(parent)
    await expect(parent.locator("[data-testid=notice][data-read=false]")).to_have_count(0)
    await expect(bell).to_have_accessible_name("Уведомления: непрочитанных нет")
    await go(parent, f"/c/{sasha['id']}")
    await open_list(parent, sasha["id"])
    await expect(parent.get_by_test_id("unread-count")).to_have_text("Все уведомления прочитаны.")
    await expect(parent.locator("[data-testid=notice][data-read=false]")).to_have_count(0)

    await notices.filter(has_text=f"{sasha['firstName']}: оценка 5").first.get_by_role(
        "link", name="К успеваемости").click()
    await expect(parent).to_have_url(re.compile(f"/c/{sasha['id']}/progress$"))


async def test_show_more_reads_the_older_pages_with_the_keyboard(cabinet: Cabinet, parent: Page) -> None:
    sasha = children(cabinet)[0]
    # more than one page (20) of notices, each from a payment made here, one after another (their order is the
    # notices' order: made at once, which two are oldest would be the commits' race)
    for n in range(22):
        await pay(cabinet, f"{100 + n}.00")
    await parent.set_viewport_size(DESKTOP)
    await open_list(parent, sasha["id"])
    notices = parent.get_by_test_id("notice")
    # all 22 recorded (the list, open, reads again on the balance events and every 30 s) ...
    await expect(parent.get_by_test_id("unread-count")).to_have_text(re.compile(r"^2[2-9] непрочитанн"),
                                                                      timeout=POLLED)
    # ... then opened afresh: the first page is the 20 newest payments, the two oldest wait behind the cursor
    await go(parent, f"/c/{sasha['id']}")
    await open_list(parent, sasha["id"])
    await expect(notices).to_have_count(20)
    payment = "Получена оплата {}.00 RUB"
    for n in range(2, 22):
        await expect(notices.filter(has_text=payment.format(100 + n))).to_have_count(1)
    for n in (0, 1):
        await expect(notices.filter(has_text=payment.format(100 + n))).to_have_count(0)
    shown = await notices.count()

    await parent.locator("h1").click()  # Tab from the page's top
    await tab_to(parent, "e?.tagName === 'BUTTON' && e.textContent === 'Показать ещё'", presses=80)
    await parent.keyboard.press("Enter")
    await expect(notices.nth(shown)).to_be_visible()  # the next page, after the ones shown
    # the focus goes to the first older notice, so a keyboard (or a screen reader) goes on reading from there
    assert await parent.evaluate("document.activeElement?.dataset?.testid") == "notice"
    assert await parent.evaluate("document.activeElement?.id") == await notices.nth(shown).get_attribute("id")
    ids = [await n.get_attribute("id") for n in await notices.all()]
    assert len(set(ids)) == len(ids), "a notice shown twice"
    stamps = [datetime.fromisoformat(str(await t.get_attribute("datetime")))
              for t in await parent.locator("[data-testid=notice] time").all()]
    assert stamps == sorted(stamps, reverse=True)
    for n in range(22):  # every payment's notice, once
        await expect(notices.filter(has_text=payment.format(100 + n))).to_have_count(1)
    await axe_check(parent, "notifications after show more")
    await parent.set_viewport_size(PHONE)
    await shoot(parent, "more")


async def test_preferences_save_and_show_the_typed_errors_in_both_languages(cabinet: Cabinet, parent: Page) -> None:
    sasha = children(cabinet)[0]
    await parent.set_viewport_size(PHONE)
    await open_list(parent, sasha["id"])
    await parent.get_by_role("link", name="Настройки уведомлений").click()
    await expect(parent.get_by_role("heading", level=1, name="Настройки уведомлений")).to_be_visible()
    table = parent.get_by_test_id("prefs-table")
    # what identity holds until the guardian chooses: every kind in the cabinet, SMS off, no quiet hours
    await expect(table.get_by_role("checkbox", name="Оплата получена: В кабинете")).to_be_checked()
    await expect(table.get_by_role("checkbox", name="Низкий баланс: СМС")).not_to_be_checked()
    quiet_from = parent.get_by_role("textbox", name="Начало (ЧЧ:ММ)")
    quiet_to = parent.get_by_role("textbox", name="Конец (ЧЧ:ММ)")
    await expect(quiet_from).to_have_value("")  # never filled in for the parent
    await expect(quiet_to).to_have_value("")
    for viewport in VIEWPORTS:
        await parent.set_viewport_size(viewport)
        await axe_check(parent, f"notification settings {viewport}")
        await shoot(parent, "settings")
    await parent.set_viewport_size(PHONE)
    save = parent.get_by_role("button", name="Сохранить")

    # a half-typed time is refused here, not sent as "none"
    await quiet_from.fill("22")
    await save.click()
    await expect(parent.get_by_text("Введите время как ЧЧ:ММ, например 22:00.")).to_be_visible()
    await expect(quiet_from).to_have_attribute("aria-invalid", "true")
    await expect(quiet_from).to_be_focused()

    # one bound without the other: the API's typed error (INVALID_INPUT on quietFrom), in Russian and English
    await quiet_from.fill("22:00")
    await save.click()
    error = parent.get_by_test_id("quiet-error")
    await expect(error).to_have_text(re.compile(r"^Тихие часы: укажите и начало, и конец"))
    await shoot(parent, "settings-error")
    await parent.get_by_role("button", name="Switch to English").click()
    await expect(error).to_have_text(re.compile(r"^Quiet hours: give both a start and an end"))
    await axe_check(parent, "notification settings with an error, in English")
    await parent.get_by_role("button", name="Сменить язык").click()
    # equal bounds: refused too
    await quiet_to.fill("22:00")
    await save.click()
    await expect(error).to_have_text(re.compile(r"^Тихие часы"))

    # A real choice, with the keyboard: SMS for a low balance (Space on the checkbox), English, 22:00-08:00.
    sms = table.get_by_role("checkbox", name="Низкий баланс: СМС")
    await sms.focus()
    await parent.keyboard.press("Space")
    await expect(sms).to_be_checked()
    await table.get_by_role("checkbox", name="Оплата получена: Почта").uncheck()
    await parent.get_by_role("combobox", name="Язык уведомлений").select_option("en")
    await quiet_to.fill("8:00")
    await save.focus()
    await parent.keyboard.press("Enter")
    await expect(parent.get_by_text("Настройки сохранены.")).to_be_visible()
    await expect(error).to_have_count(0)
    await expect(quiet_to).to_have_value("08:00")

    # kept by the server: read again on a new visit
    await go(parent, f"/c/{sasha['id']}/notifications")
    await parent.get_by_role("link", name="Настройки уведомлений").click()
    await expect(quiet_from).to_have_value("22:00")
    await expect(quiet_to).to_have_value("08:00")
    await expect(table.get_by_role("checkbox", name="Низкий баланс: СМС")).to_be_checked()
    await expect(table.get_by_role("checkbox", name="Оплата получена: Почта")).not_to_be_checked()
    await expect(parent.get_by_role("combobox", name="Язык уведомлений")).to_have_value("en")

    # and used: the next payment's notice is written in English
    await go(parent, f"/c/{sasha['id']}/notifications")
    await pay(cabinet, "55.00")
    await expect(parent.get_by_test_id("notice").first).to_contain_text("Payment received", timeout=LIVE)
