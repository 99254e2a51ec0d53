"""POST /telegram/webhook: the Telegram bot's updates. Only ``/start <code>`` matters: it links the chat to the
person whose one-time code it is (identity.service.messenger).

Telegram sends the secret given to setWebhook (``secret_token``) in ``X-Telegram-Bot-Api-Secret-Token`` on every
call; anything without it (compared in constant time) is refused with 403 and changes nothing, so nobody but
Telegram can bind a chat. Everything else is answered 200 (Telegram retries non-2xx), with nothing echoed back.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from identity.service import messenger

if TYPE_CHECKING:
    from identity.bootstrap import IdentityRuntime

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_BODY = 64 * 1024
LINKED = "Kabinet: this chat now receives your notifications. / Kabinet: уведомления будут приходить в этот чат."
NOT_LINKED = ("Kabinet: the code is not valid or has expired - ask for a new one in your cabinet. / "
              "Kabinet: код недействителен или устарел - получите новый в кабинете.")


def _start_code(update: Any) -> tuple[str, str] | None:
    """(code, chat id) of a ``/start <code>`` message in a private chat, else None."""
    message = update.get("message") if isinstance(update, dict) else None
    if not isinstance(message, dict):
        return None
    text, chat = message.get("text"), message.get("chat")
    if not isinstance(text, str) or not isinstance(chat, dict) or chat.get("type") != "private":
        return None
    command, _, code = text.strip().partition(" ")
    if command.split("@")[0] != "/start" or not code.strip() or not isinstance(chat.get("id"), int):
        return None
    return code.strip(), str(chat["id"])


def telegram_webhook(runtime: IdentityRuntime) -> Callable[[Request], Awaitable[JSONResponse]]:
    secret = (runtime.ports.settings.telegram_webhook_secret or "").encode()

    async def webhook(request: Request) -> JSONResponse:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not secret or not hmac.compare_digest(given, secret):
            return JSONResponse({"ok": False}, status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"ok": True})
        try:
            found = _start_code(await request.json())
        except ValueError:
            return JSONResponse({"ok": True})
        if found is None:
            return JSONResponse({"ok": True})
        code, chat_id = found
        async with runtime.unit_of_work() as uow:
            bound = await messenger.bind_chat(uow, code, chat_id)
        bot = runtime.ports.telegram
        if bot is not None:
            try:  # best effort: the link holds whether or not the reply arrives
                await bot.send_message(chat_id, LINKED if bound else NOT_LINKED)
            except Exception:
                log.warning("telegram link reply failed", extra={"linked": bound})
        return JSONResponse({"ok": True})

    return webhook
