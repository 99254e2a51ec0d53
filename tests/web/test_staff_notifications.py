"""Staff's notifications (R-NTF-1) in Chromium on a phone (390x844) and a desktop (1280x800), against `kabinet run`
in trusted-documents-only mode; axe-core on every screen. The demo Moscow branch admin is told of a lead the owner
records for her branch: the bell counts it once she opens her notifications (by keyboard), the notice opens that
lead's card, and "mark all read" empties the bell. Her settings offer only staff's kinds, no SMS, and - the test stack
has no Telegram bot - say plainly that the school has not set up Telegram."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect

from .conftest import ADMIN, DESKTOP, OWNER, PHONE, Cabinet, axe_check, go, sign_in_as_admin, tab_to, watched_page
from .test_admin_cabinet import no_sideways_scroll

CREATE = """mutation($b: ID!, $i: LeadInput!) { createLead(branchId: $b, input: $i) {
    lead { id } errors { code message } } }"""
MINE = "query { myNotifications(first: 20) { items { kind text } unreadCount } }"
NOTICE_WAIT_S = 30  # the event goes identity -> RabbitMQ -> identity's inbox (the notice)


@pytest.fixture(scope="module")
async def admin(cabinet: Cabinet) -> AsyncIterator[Page]:
    context, page, errors = await watched_page(cabinet, PHONE)
    await sign_in_as_admin(page, cabinet.url)
    yield page
    await context.close()
    assert errors == [], errors


async def on_both_screens(page: Page, screen: str) -> None:
    """axe-core clean on a desktop and a phone; on the phone nothing scrolls sideways (the page is left there)."""
    for viewport in (DESKTOP, PHONE):
        await page.set_viewport_size(viewport)
        await axe_check(page, f"{screen} {viewport}")
    await no_sideways_scroll(page)


async def lead_by_the_owner(cabinet: Cabinet, child: str) -> str:
    """The owner records a lead for the admin's branch (the one who records a lead is not told of it); its id."""
    digits = f"{random.randrange(10**7):07d}"
    data = await cabinet.staff.call("identity", CREATE, {"b": cabinet.branch_id, "i": {
        "contactFirstName": "Ирина", "phone": f"+7 956 {digits[:3]}-{digits[3:5]}-{digits[5:]}",
        "childFirstName": child, "source": "SITE", "childAge": 9, "interest": "Шахматы"}}, login=OWNER)
    assert data["createLead"]["errors"] == [], data
    for _ in range(NOTICE_WAIT_S * 2):
        mine = await cabinet.staff.call("identity", MINE, login=ADMIN)
        if any(n["kind"] == "LEAD_CREATED" and child in n["text"] for n in mine["myNotifications"]["items"]):
            return str(data["createLead"]["lead"]["id"])
        await asyncio.sleep(0.5)
    raise AssertionError(f"no LEAD_CREATED notice for {child}: {mine}")


async def test_an_admin_is_told_of_a_new_lead_and_marks_it_read(cabinet: Cabinet, admin: Page) -> None:
    lead_id = await lead_by_the_owner(cabinet, "Всеволод")
    bell = admin.get_by_test_id("notifications-bell")
    await expect(bell).to_be_visible()
    await tab_to(admin, "e.dataset.testid === 'notifications-bell'")
    await admin.keyboard.press("Enter")
    await expect(admin.get_by_role("heading", level=1)).to_have_text("Уведомления")
    await expect(bell).to_have_accessible_name(re.compile(r"^Уведомления: \d+ непрочитанн"))
    notice = admin.locator("[data-testid=notice][data-kind=LEAD_CREATED]").filter(has_text="Всеволод")
    await expect(notice).to_have_count(1)
    await expect(notice).to_have_attribute("data-read", "false")
    await expect(notice.get_by_role("link", name="К лиду")).to_have_attribute("href", f"/a/leads/{lead_id}")
    await on_both_screens(admin, "admin's notifications")

    await admin.get_by_role("button", name="Отметить все прочитанными").click()
    await expect(admin.get_by_test_id("unread-count")).to_have_text("Все уведомления прочитаны.")
    await expect(admin.locator("[data-testid=notice][data-read=false]")).to_have_count(0)
    await expect(bell).to_have_accessible_name("Уведомления: непрочитанных нет")
    mine = await cabinet.staff.call("identity", MINE, login=ADMIN)
    assert mine["myNotifications"]["unreadCount"] == 0

    await notice.get_by_role("link", name="К лиду").click()
    await expect(admin.get_by_test_id("lead-card")).to_have_attribute("data-lead-id", lead_id)


async def test_the_settings_offer_staff_kinds_and_say_telegram_is_not_set_up(cabinet: Cabinet, admin: Page) -> None:
    await go(admin, "/a/notifications")
    await admin.get_by_role("link", name="Настройки уведомлений").click()
    settings = admin.get_by_test_id("notification-settings")
    await expect(settings.get_by_role("heading", level=1)).to_have_text("Настройки уведомлений")
    table = settings.get_by_test_id("prefs-table")
    await expect(table.locator("thead th")).to_have_text(["Событие", "В кабинете", "Почта"])  # no SMS for staff
    await expect(table.locator("tbody th")).to_have_text(["Новый лид", "Новое обращение"])

    # Said on opening (telegramAvailable), with no button that could only fail.
    telegram = settings.get_by_test_id("telegram")
    await expect(telegram.get_by_test_id("telegram-absent")).to_have_text(
        "Школа пока не подключила Telegram, поэтому уведомления туда не приходят.")
    await expect(telegram.get_by_role("button", name="Подключить Telegram")).to_have_count(0)
    # Web push likewise (no VAPID keys in the demo): said, with no button.
    web_push = settings.get_by_test_id("web-push")
    await expect(web_push.get_by_test_id("web-push-absent")).to_have_text(
        "Уведомления в браузере в этой школе не подключены.")
    await expect(web_push.get_by_role("button", name="Включить уведомления в браузере")).to_have_count(0)
    await on_both_screens(admin, "admin's notification settings")

    # A choice saved stays: email for new leads.
    await table.get_by_role("checkbox", name="Новый лид: Почта").check()
    await settings.get_by_role("button", name="Сохранить").click()
    await expect(settings.get_by_text("Настройки сохранены.")).to_be_visible()
    prefs = await cabinet.staff.call("identity", "query { notificationPreferences { email sms } }", login=ADMIN)
    assert prefs["notificationPreferences"]["email"] == ["LEAD_CREATED"]
