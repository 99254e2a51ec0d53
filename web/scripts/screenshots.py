"""Screenshots of the main phone screens for docs/web.md (docs/img/web-*.png), from a running cabinet:
`uv run python web/scripts/screenshots.py http://localhost:8000` (`make run`; demo family +79000000001)."""

import asyncio
import sys
from pathlib import Path

from playwright.async_api import Page, async_playwright

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
        await browser.close()


asyncio.run(main(*sys.argv[1:]))
