"""Render public/icons/icon.svg to the PNG sizes the manifest lists, with the local Chromium (run once; the
PNGs are committed): `uv run python web/scripts/icons.py`."""

import asyncio
from pathlib import Path

from playwright.async_api import async_playwright

ICONS = Path(__file__).resolve().parent.parent / "public" / "icons"


async def main() -> None:
    svg = (ICONS / "icon.svg").read_text()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for size in (192, 512):
            page = await browser.new_page(viewport={"width": size, "height": size})
            style = f"html,body{{margin:0}}svg{{width:{size}px;height:{size}px;display:block}}"
            await page.set_content(f"<style>{style}</style>{svg}")
            await page.screenshot(path=str(ICONS / f"icon-{size}.png"), omit_background=True)
        await browser.close()


asyncio.run(main())
