"""GraphQL over WebSocket, the `graphql-transport-ws` protocol (the `graphql-ws` library's), at /graphql.

connection_init (its payload carries the token: `{"Authorization": "Bearer ..."}` or `{"token": "..."}`; the
upgrade request's own Authorization header also counts) -> the token is verified once for the connection ->
connection_ack; then any number of `subscribe` / `complete` by id. Subscriptions stream `next` messages until
the client completes them or disconnects; queries and mutations are answered with one `next` and `complete`.
Protocol violations close the socket with the protocol's codes (4400 bad message, 4401 subscribe before ack,
4403 bad token, 4406 wrong subprotocol, 4408 no init in time, 4409 duplicate id, 4429 second init). A message
longer than an HTTP request body may be (`GATEWAY_MAX_BODY_BYTES`, 1 MiB) closes it with 1009, WebSocket's
"message too big" - what the server (uvicorn, given the same limit) sends for one it refuses itself.

A connection lives no longer than its access token: when the token expires the socket is closed with 4403
(graphql-ws clients reconnect on it, with a fresh token from `connectionParams`), so a revoked session or a
closed cabinet stops receiving events within the token's lifetime (docs/security-signin.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
from graphql import OperationType
from starlette.websockets import WebSocket, WebSocketDisconnect

from gateway.auth import AuthUnavailable, GatewayAuth, Unauthenticated
from gateway.documents import DocumentRejected, DocumentStore
from gateway.pipeline import GatewayPipeline, GraphQLRequest, PipelineResult

log = logging.getLogger(__name__)

SUBPROTOCOL = "graphql-transport-ws"


def _error(message: str, code: str) -> list[dict[str, Any]]:
    return [{"message": message, "extensions": {"code": code}}]


class GraphQLWebSocket:
    def __init__(
        self,
        websocket: WebSocket,
        *,
        pipeline: Callable[[], GatewayPipeline | None],
        auth: GatewayAuth,
        documents: DocumentStore,
        subscriptions: Any,  # SubscriptionService | None
        init_timeout_s: float = 10.0,
        max_operations: int = 100,
        max_message_bytes: int = 0,
    ) -> None:
        self.ws = websocket
        self.pipeline = pipeline
        self.auth = auth
        self.documents = documents
        self.subscriptions = subscriptions
        self.init_timeout_s = init_timeout_s
        self.max_operations = max_operations
        self.max_message_bytes = max_message_bytes
        self.headers: dict[str, str] = {}
        self.principal: Any = None
        self.acknowledged = False
        self.operations: dict[str, asyncio.Task[None]] = {}
        self._send_lock = asyncio.Lock()
        self._expiry: asyncio.TimerHandle | None = None

    async def serve(self) -> None:
        if SUBPROTOCOL not in self.ws.scope.get("subprotocols", []):
            await self.ws.close(code=4406, reason="Subprotocol not acceptable")
            return
        await self.ws.accept(subprotocol=SUBPROTOCOL)
        try:
            try:
                first = await asyncio.wait_for(self.ws.receive_text(), self.init_timeout_s)
            except TimeoutError:
                await self.ws.close(code=4408, reason="Connection initialisation timeout")
                return
            if not await self.on_message(first):
                return
            while True:
                if not await self.on_message(await self.ws.receive_text()):
                    return
        except KeyError:  # a binary frame: not this protocol
            await self.close(4400, "Invalid message received")
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            if self._expiry is not None:
                self._expiry.cancel()
            for task in self.operations.values():
                task.cancel()
            for task in list(self.operations.values()):
                with contextlib.suppress(BaseException):
                    await task

    async def send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_text(json.dumps(message, separators=(",", ":"), ensure_ascii=False))

    async def close(self, code: int, reason: str) -> bool:
        with contextlib.suppress(Exception):
            await self.ws.close(code=code, reason=reason)
        return False

    def too_large(self, text: str) -> bool:
        limit = self.max_message_bytes
        # Characters are at most 4 bytes each: only a text near the limit is encoded to count its bytes.
        return bool(limit) and (len(text) > limit or (len(text) * 4 > limit and len(text.encode()) > limit))

    async def on_message(self, text: str) -> bool:
        """Handle one message; False once the socket was closed."""
        if self.too_large(text):
            return await self.close(1009, "Message too big")
        try:
            message = json.loads(text)
        except ValueError:
            return await self.close(4400, "Invalid message received")
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return await self.close(4400, "Invalid message received")
        kind = message["type"]
        if kind == "connection_init":
            if self.acknowledged:
                return await self.close(4429, "Too many initialisation requests")
            return await self.on_init(message.get("payload"))
        if kind == "ping":
            await self.send({"type": "pong"})
            return True
        if kind == "pong":
            return True
        if kind == "subscribe":
            if not self.acknowledged:
                return await self.close(4401, "Unauthorized")
            op_id, payload = message.get("id"), message.get("payload")
            if not isinstance(op_id, str) or not op_id or not isinstance(payload, dict):
                return await self.close(4400, "Invalid message received")
            if op_id in self.operations:
                return await self.close(4409, f"Subscriber for {op_id} already exists")
            if len(self.operations) >= self.max_operations:
                await self.send({"id": op_id, "type": "error", "payload": _error(
                    f"At most {self.max_operations} operations at once on one connection.", "TOO_MANY_OPERATIONS")})
                return True
            task = asyncio.create_task(self.run(op_id, payload), name=f"graphql-ws-{op_id}")
            self.operations[op_id] = task
            task.add_done_callback(lambda done, i=op_id: self._forget(i, done))  # type: ignore[misc]
            return True
        if kind == "complete":
            running = self.operations.pop(str(message.get("id")), None)
            if running is not None:
                running.cancel()
            return True
        return await self.close(4400, f"Unexpected message type {kind!r}")

    def _forget(self, op_id: str, task: asyncio.Task[None]) -> None:
        if self.operations.get(op_id) is task:
            del self.operations[op_id]

    async def on_init(self, payload: Any) -> bool:
        if payload is not None and not isinstance(payload, dict):
            return await self.close(4400, "Invalid message received")
        payload = payload or {}
        authorization = payload.get("Authorization") or payload.get("authorization")
        token = payload.get("token")
        if not authorization and isinstance(token, str) and token:
            authorization = f"Bearer {token}"
        if not authorization:
            authorization = self.ws.headers.get("authorization")
        if authorization is not None and not isinstance(authorization, str):
            return await self.close(4400, "Invalid message received")
        try:
            self.principal = await self.auth.authenticate(authorization)
        except Unauthenticated:
            return await self.close(4403, "Forbidden")
        except AuthUnavailable:
            return await self.close(4503, "Service unavailable")  # the client reconnects later
        if authorization:
            self.headers["authorization"] = authorization
            if self.principal is not None:  # verified: end the connection when the token does
                self._close_at_expiry(authorization)
        self.acknowledged = True
        await self.send({"type": "connection_ack"})
        return True

    def _close_at_expiry(self, authorization: str) -> None:
        token = authorization.strip().partition(" ")[2].strip()
        expires_at = float(jwt.decode(token, options={"verify_signature": False}).get("exp", 0))
        loop = asyncio.get_running_loop()
        self._expiry = loop.call_later(
            max(0.0, expires_at - time.time()),
            lambda: loop.create_task(self.close(4403, "Forbidden: the access token expired")),
        )

    async def run(self, op_id: str, payload: dict[str, Any]) -> None:
        try:
            await self._run(op_id, payload)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("graphql-ws operation failed")
            with contextlib.suppress(Exception):
                error = _error("Internal error.", "INTERNAL_SERVER_ERROR")
                await self.send({"id": op_id, "type": "error", "payload": error})

    async def _run(self, op_id: str, payload: dict[str, Any]) -> None:
        pipeline = self.pipeline()
        if pipeline is None:
            await self.send({"id": op_id, "type": "error", "payload": _error("Not ready.", "GATEWAY_NOT_READY")})
            return
        try:
            query = self.documents.resolve(payload.get("query"), payload.get("extensions"), payload.get("documentId"))
        except DocumentRejected as exc:
            await self.send({"id": op_id, "type": "error", "payload": _error(str(exc), exc.code)})
            return
        variables = payload.get("variables")
        operation_name = payload.get("operationName")
        if not isinstance(query, str) or (variables is not None and not isinstance(variables, dict)):
            await self.send({"id": op_id, "type": "error", "payload": _error("Bad request.", "BAD_REQUEST")})
            return
        request = GraphQLRequest(query, operation_name if isinstance(operation_name, str) else None, variables)
        headers = {**self.headers, "x-correlation-id": str(uuid.uuid4())}
        started = pipeline.start(request)
        if isinstance(started, PipelineResult):
            await self._finish_with(op_id, started)
            return
        if started.operation.operation != OperationType.SUBSCRIPTION:
            await self._finish_with(op_id, await pipeline.execute(request, headers))
            return
        if self.subscriptions is None:
            await self.send({"id": op_id, "type": "error", "payload": _error("Subscriptions are off.", "BAD_REQUEST")})
            return
        access = await self.subscriptions.authorize(pipeline, started, self.principal, headers)
        if access.error is not None:
            await self.send({"id": op_id, "type": "error", "payload": [access.error]})
            return
        extensions = payload.get("extensions")
        last_event_id = extensions.get("lastEventId") if isinstance(extensions, dict) else None
        probe = self.subscriptions.lesson_probe(pipeline, headers)
        source = self.subscriptions.root_source(probe, last_event_id, access.family_students)
        async for body in pipeline.subscribe(started, source, headers):
            await self.send({"id": op_id, "type": "next", "payload": body})
        await self.send({"id": op_id, "type": "complete"})

    async def _finish_with(self, op_id: str, result: PipelineResult) -> None:
        if result.request_error:
            await self.send({"id": op_id, "type": "error", "payload": result.body.get("errors") or []})
            return
        await self.send({"id": op_id, "type": "next", "payload": result.body})
        await self.send({"id": op_id, "type": "complete"})
