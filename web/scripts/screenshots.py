"""Screenshots of the main phone screens for docs/web.md (docs/img/web-*.png), from a running cabinet:
`uv run python web/scripts/screenshots.py http://localhost:8000` (`make run`; demo family +79000000001, demo
teacher olga.smirnova@kabinet.demo, demo Moscow admin admin.msk@kabinet.demo; `--teacher` / `--admin` take that
cabinet's screens only). The teacher's offline screen saves nothing: its browser closes offline. The admin's month
screen generates (does not publish) Starters' drafts three months ahead."""

import asyncio
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, async_playwright

OUT = Path(__file__).resolve().parents[2] / "docs" / "img"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


async def go(page: Page, path: str) -> None:
    await page.evaluate("(p) => { history.pushState(null, '', p); dispatchEvent(new PopStateEvent('popstate')); }",
                        path)
    await page.wait_for_timeout(1200)


async def main(url: str, phone: str = "+79000000001") -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = await browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        await page.goto(f"{url}/signin")
        await page.wait_for_selector("input[name=phone]")
        await page.fill("input[name=phone]", phone)
        await page.screenshot(path=str(OUT / "web-signin.png"))
        await page.click("form button[type=submit]")
        await page.fill("input[name=code]", "111111")
        await page.click("form button[type=submit]")
        await page.wait_for_selector("[data-testid=child-home][data-loaded=true]")
        child = page.url.rstrip("/").rsplit("/", 1)[-1]
        await page.screenshot(path=str(OUT / "web-home.png"))
        await go(page, f"/c/{child}/lessons")
        await page.screenshot(path=str(OUT / "web-lessons.png"))
        await page.locator(".day--busy").first.click()
        await page.locator(".lesson-row__link").first.click()
        await page.wait_for_selector("[data-testid=lesson-page]")
        await page.wait_for_timeout(800)
        await page.screenshot(path=str(OUT / "web-lesson.png"))
        for section in ("money", "progress", "book", "questions"):
            await go(page, f"/c/{child}/{section}")
            await page.screenshot(path=str(OUT / f"web-{section}.png"))
        await page.get_by_role("button", name="English").click()
        await go(page, f"/c/{child}")
        await page.screenshot(path=str(OUT / "web-home-en.png"))
        await teacher(browser, url)
        await admin(browser, url)
        await browser.close()


async def signed_in_staff(context: BrowserContext, url: str, login: str, home: str) -> Page:
    """A page signed in with a demo staff member's password, on their cabinet's home (`home`, a selector)."""
    page = await context.new_page()
    await page.goto(f"{url}/signin")
    await page.get_by_role("tab", name="По паролю").click()
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", "kabinet-demo-2025")
    await page.click("form button[type=submit]")
    await page.wait_for_selector(home)
    return page


async def admin(browser: Browser, url: str, login: str = "admin.msk@kabinet.demo") -> None:
    """The admin's cabinet, desktop-first (1280x800), and its month on a phone."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await signed_in_staff(context, url, login, "[data-testid=admin-month]")
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1 + 3
    await page.select_option("select[name=month]", str(index % 12 + 1))
    await page.fill("input[name=year]", str(index // 12))
    await page.get_by_role("button", name="Открыть месяц").click()
    await page.get_by_test_id("admin-groups").get_by_role("button", name=re.compile("Starters")).click()
    await page.wait_for_selector("[data-testid=group-month][data-loaded=true]")
    await page.get_by_role("button", name="Сформировать расписание").click()
    await page.wait_for_selector("[data-testid=month-lesson]")
    await page.wait_for_timeout(800)
    await page.screenshot(path=str(OUT / "web-admin-month.png"))
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.evaluate("document.querySelector('[data-testid=group-month]').scrollIntoView(); scrollBy(0, -64)")
    await page.wait_for_timeout(400)
    await page.screenshot(path=str(OUT / "web-admin-month-phone.png"))
    await page.set_viewport_size({"width": 1280, "height": 800})
    await go(page, "/a/clients")
    await page.locator("[data-testid=client] a").first.click()
    await page.wait_for_selector("[data-testid=client-card][data-loaded=true]")
    await page.wait_for_timeout(600)
    await page.screenshot(path=str(OUT / "web-admin-card.png"), full_page=True)
    await context.close()


async def teacher(browser: Browser, url: str, login: str = "olga.smirnova@kabinet.demo") -> None:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = await signed_in_staff(context, url, login, "[data-testid=teacher-home][data-loaded=true]")
    await page.wait_for_timeout(800)
    await page.screenshot(path=str(OUT / "web-teacher-home.png"))
    # a group lesson of the week (three students), its sheet as the teacher opens it
    await page.get_by_test_id("teacher-week").locator("[data-testid=teacher-lesson] a").first.click()
    await page.wait_for_selector("[data-testid=sheet-student]")
    await page.wait_for_timeout(800)
    await page.screenshot(path=str(OUT / "web-teacher-sheet.png"))
    await context.set_offline(True)
    await page.fill("textarea[name=summary]", "Past simple: questions and negatives")
    await page.fill("textarea[name=homework]", "Workbook p. 31, ex. 1-3")
    first = page.get_by_test_id("sheet-student").first
    await first.get_by_role("radio", name="Был", exact=True).check()
    await first.get_by_role("radio", name="5", exact=True).check()
    await page.get_by_role("button", name="Сохранить итоги").click()
    await page.wait_for_selector("[data-testid=sheet-status][data-state=pending]")
    await page.screenshot(path=str(OUT / "web-teacher-offline.png"))
    await context.close()  # offline: the kept sheet goes with the browser, nothing reaches the demo


async def teacher_only(url: str) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        await teacher(browser, url)
        await browser.close()


async def admin_only(url: str) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        await admin(browser, url)
        await browser.close()


# `--teacher` / `--admin`: that cabinet's screens only (the others stay as they are)
args = [a for a in sys.argv[1:] if a not in ("--teacher", "--admin")]
if "--teacher" in sys.argv:
    asyncio.run(teacher_only(*args))
elif "--admin" in sys.argv:
    asyncio.run(admin_only(*args))
else:
    asyncio.run(main(*args))
