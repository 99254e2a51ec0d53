"""Telegram notifications leave identity here: the Bot API's sendMessage over HTTPS (httpx).

The base URL is IDENTITY_TELEGRAM_API_URL (https://api.telegram.org; a local stand-in in tests). The bot's token is
part of the path, as the Bot API wants it: it is never logged (errors name the status only).
"""

from __future__ import annotations

import httpx

from identity.service.ports import DeliveryFailed, Undeliverable


class TelegramBot:
    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0) -> None:
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_s)
        self._token = token

    async def send_message(self, chat_id: str, text: str) -> None:
        try:
            resp = await self._client.post(f"/bot{self._token}/sendMessage",
                                           json={"chat_id": chat_id, "text": text})
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"Telegram unreachable: {type(exc).__name__}") from None
        ok = resp.status_code < 300 and _ok(resp)
        if ok:
            return
        if resp.status_code == 403 or (resp.status_code == 400 and "chat not found" in _description(resp)):
            # The person blocked the bot, or the chat is gone: no retry will ever get through.
            raise Undeliverable(f"Telegram refused for good: {resp.status_code}")
        raise DeliveryFailed(f"Telegram refused: {resp.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()


def _description(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("description", "")).lower()
    except ValueError:
        return ""


def _ok(resp: httpx.Response) -> bool:
    try:
        return bool(resp.json().get("ok"))
    except ValueError:
        return False
