"""A service's POST /graphql takes a shortcut (`GraphQLFront`, the view's plain-JSON path, the schema's direct
execution): every request below gets byte for byte the answer, the metrics and the context that Starlette's
middleware stack, Strawberry's view and Strawberry's execution give it, and the checks (body limit, gateway
secret, token, typed errors) hold on the shortcut itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from strawberry.types import Info

from kabinet.auth import Principal, Role, SigningKey
from kabinet.auth.tokens import KeySource, TokenVerifier, jwks
from kabinet.context import current_context
from kabinet.errors import Forbidden
from kabinet.graphql.schema import SubgraphSchema, subgraph_schema
from kabinet.metrics import HTTP_REQUESTS
from kabinet.outages import DependencyUnavailable
from kabinet.testing.stack import token_for
from kabinet.web.app import ServiceApp, ServiceGraphQL, create_service_app
from kabinet.web.gateway_only import client_address

SECRET = "s" * 40
SERVICE = "svcapp"
ID = "00000000-0000-4000-8000-000000000001"


@strawberry.type
class Who:
    role: str
    correlation_id: str | None
    address: str | None


@strawberry.type
class Query:
    @strawberry.field
    async def who(self, info: Info[Any, None], id: strawberry.ID) -> Who:
        return Who(role=str(info.context.principal.role), correlation_id=current_context().correlation_id,
                   address=client_address(info.context.request))

    @strawberry.field
    async def forbidden(self) -> str:
        raise Forbidden("Not yours.")

    @strawberry.field
    async def broken(self) -> str:
        raise RuntimeError("secret detail /etc/passwd")

    @strawberry.field
    async def down(self) -> str:
        raise DependencyUnavailable("database down")

    @strawberry.field
    def name(self, text: str) -> str:
        return text


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def sign_in(self, info: Info[Any, None]) -> bool:
        info.context.response.set_cookie("kabinet_refresh", "r", path="/graphql", httponly=True)
        info.context.response.headers["cache-control"] = "no-store"
        return True


class FailingVerifier:
    def __init__(self, inner: TokenVerifier) -> None:
        self.inner = inner

    async def verify(self, token: str) -> Principal:
        if token == "boom":
            raise RuntimeError("a bug in verification")
        if token == "keys-down":
            raise DependencyUnavailable("identity's keys")
        return await self.inner.verify(token)


KEY = SigningKey.generate()
TOKEN = token_for(KEY, Principal(user_id="u", role=Role.GUARDIAN, family_id=ID, student_ids=frozenset()))


def build() -> ServiceApp:
    verifier = FailingVerifier(TokenVerifier(KeySource(static=jwks([KEY])), "kabinet-identity", "kabinet"))
    runtime = SimpleNamespace(name=SERVICE, settings=SimpleNamespace(gateway_secret=SECRET), verifier=verifier)
    app = create_service_app(runtime, subgraph_schema(Query, Mutation), manage_runtime=False)  # type: ignore[arg-type]
    assert isinstance(app, ServiceApp)
    return app


@pytest.fixture(scope="module")
def app() -> ServiceApp:
    return build()


@contextlib.contextmanager
def classic(app: ServiceApp) -> Iterator[None]:
    """The old way: Starlette's stack and route, Strawberry's view and execution."""
    front, schema = app.graphql_front, _schema(app)
    standard = schema._standard
    app.graphql_front, schema._standard = None, None
    plain = ServiceGraphQL._plain_json
    ServiceGraphQL._plain_json = lambda self, scope: False  # type: ignore[method-assign]
    try:
        yield
    finally:
        app.graphql_front, schema._standard = front, standard
        ServiceGraphQL._plain_json = plain  # type: ignore[method-assign]


def _schema(app: ServiceApp) -> SubgraphSchema:
    route = next(r for r in app.routes if getattr(r, "path", None) == "/graphql")
    schema = route.app.app.app.schema  # type: ignore[attr-defined]
    assert isinstance(schema, SubgraphSchema)
    return schema


def headers(body: bytes, *, secret: str | None = SECRET, token: str | None = TOKEN, length: bool = True,
            content_type: str = "application/json", extra: tuple[tuple[str, str], ...] = ()
            ) -> list[tuple[bytes, bytes]]:
    out = [(b"host", b"subgraph"), (b"content-type", content_type.encode())]
    if length:
        out.append((b"content-length", str(len(body)).encode()))
    if token is not None:
        out.append((b"authorization", f"Bearer {token}".encode()))
    if secret is not None:
        out.append((b"x-kabinet-gateway-secret", secret.encode()))
    out += [(k.encode(), v.encode()) for k, v in extra]
    return out


async def call(app: Any, body: bytes, hdrs: list[tuple[bytes, bytes]], *, method: str = "POST",
               path: str = "/graphql", chunks: int = 1) -> tuple[int, list[tuple[bytes, bytes]], bytes, str | None]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": hdrs,
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    size = max(1, -(-len(body) // chunks))
    parts = [body[i:i + size] for i in range(0, len(body), size)] or [b""]
    messages = [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]
    out: list[Any] = []

    async def receive() -> Any:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)

    async def send(message: Any) -> None:
        out.append(message)

    raised = None
    try:
        await app(scope, receive, send)
    except Exception as exc:
        raised = repr(exc)
    return out[0]["status"], out[0]["headers"], b"".join(m.get("body", b"") for m in out[1:]), raised


def requests() -> list[tuple[str, bytes, list[tuple[bytes, bytes]], dict[str, Any]]]:
    def doc(query: str, **more: Any) -> bytes:
        return json.dumps({"query": query, **more}).encode()

    who = doc("query W($i: ID!) { who(id: $i) { role correlationId address } }", variables={"i": ID})
    cid = (("x-correlation-id", "c-123"), ("x-kabinet-client-address", "203.0.113.7"))
    big = b'{"query": "{ name(text: \\"' + b"x" * (1024 * 1024) + b'\\") }"}'
    return [
        ("ok", who, headers(who, extra=cid), {}),
        ("anonymous", who, headers(who, token=None, extra=cid), {}),
        ("bad id", doc('{ who(id: "nope") { role } }'), headers(b"", length=False, extra=cid), {}),
        ("bad token", who, headers(who, token="x.y.z", extra=cid), {}),
        ("not bearer", who, headers(who, extra=(*cid, ("authorization", "Basic abc"))), {}),
        ("keys down", who, headers(who, token="keys-down", extra=cid), {}),
        ("verifier bug", who, headers(who, token="boom", extra=cid), {}),
        ("no secret", who, headers(who, secret=None, extra=cid), {}),
        ("wrong secret", who, headers(who, secret="t" * 40, extra=cid), {}),
        ("declared too large", who, headers(who, extra=(*cid, ("content-length", str(2 * 1024 * 1024)))), {}),
        ("bad length", who, [*headers(who, length=False, extra=cid), (b"content-length", b"abc")], {}),
        ("streamed too large", big, headers(big, length=False, extra=cid), {"chunks": 8}),
        ("forbidden", doc("{ forbidden }"), headers(doc("{ forbidden }"), extra=cid), {}),
        ("masked", doc("{ broken }"), headers(doc("{ broken }"), extra=cid), {}),
        ("outage 503", doc("{ down }"), headers(doc("{ down }"), extra=cid), {}),
        ("partial", doc("{ down name(text: \"a\") }"), headers(doc("{ down name(text: \"a\") }"), extra=cid), {}),
        ("validation", doc("{ nope }"), headers(doc("{ nope }"), extra=cid), {}),
        ("syntax", doc("{ who("), headers(doc("{ who("), extra=cid), {}),
        ("tokens", doc("{ " + "name(text: \"a\") " * 3000 + "}"), headers(b"", length=False, extra=cid), {}),
        ("bad text", doc("{ name(text: \"a\\u0000b\") }"), headers(b"", length=False, extra=cid), {}),
        ("mutation with cookie", doc("mutation { signIn }"), headers(b"", length=False, extra=cid), {}),
        ("unknown operation", doc("{ name(text: \"a\") }", operationName="Nope"), headers(b"", length=False), {}),
        ("two operations", doc("query A { name(text: \"a\") } query B { name(text: \"b\") }"),
         headers(b"", length=False), {}),
        ("chosen operation", doc("query A { name(text: \"a\") } query B { name(text: \"b\") }", operationName="B"),
         headers(b"", length=False), {}),
        ("subscription", doc("subscription { x }"), headers(b"", length=False), {}),
        ("no query", b'{"variables": {}}', headers(b"", length=False), {}),
        ("empty query", b'{"query": ""}', headers(b"", length=False), {}),
        ("query not text", b'{"query": 1}', headers(b"", length=False), {}),
        ("variables not object", b'{"query": "{ name(text: \\"a\\") }", "variables": [1]}',
         headers(b"", length=False), {}),
        ("extensions not object", b'{"query": "{ name(text: \\"a\\") }", "extensions": 1}',
         headers(b"", length=False), {}),
        ("variables null", b'{"query": "{ name(text: \\"a\\") }", "variables": null, "extensions": {}}',
         headers(b"", length=False), {}),
        ("not json", b"{nope", headers(b"", length=False), {}),
        ("nan", b'{"query": "{ name(text: \\"a\\") }", "variables": {"x": NaN}}', headers(b"", length=False), {}),
        ("batch", b'[{"query": "{ name(text: \\"a\\") }"}]', headers(b"", length=False), {}),
        ("a string", b'"{ name }"', headers(b"", length=False), {}),
        ("text/plain", doc("{ name(text: \"a\") }"), headers(b"", length=False, content_type="text/plain"), {}),
        ("json with charset", doc("{ name(text: \"a\") }"),
         headers(b"", length=False, content_type="Application/JSON; charset=utf-8"), {}),
        ("multipart accept", doc("{ name(text: \"a\") }"),
         headers(b"", length=False, extra=(("accept", "multipart/mixed;subscriptionSpec=\"1.0\""),)), {}),
        ("json accept", doc("{ name(text: \"a\") }"),
         headers(b"", length=False, extra=(("accept", "application/graphql-response+json, application/json"),)),
         {}),
        ("trailing slash", doc("{ name(text: \"a\") }"), headers(b"", length=False), {"path": "/graphql/"}),
        ("GET", b"", headers(b"", length=False, extra=(("accept", "text/html"),)), {"method": "GET"}),
        ("PUT", doc("{ name(text: \"a\") }"), headers(b"", length=False), {"method": "PUT"}),
        ("health", b"", headers(b"", length=False), {"method": "GET", "path": "/healthz"}),
    ]


def counted(status: int, path: str = "/graphql") -> float:
    return HTTP_REQUESTS.labels(SERVICE, path, str(status))._value.get()


@pytest.mark.parametrize(("name", "body", "hdrs", "options"), requests(), ids=[r[0] for r in requests()])
async def test_the_shortcut_answers_exactly_as_the_stack(app: ServiceApp, name: str, body: bytes,
                                                         hdrs: list[tuple[bytes, bytes]],
                                                         options: dict[str, Any]) -> None:
    answers = []
    for mode in ("shortcut", "classic"):
        before = {s: counted(s, options.get("path", "/graphql")) for s in (200, 400, 401, 403, 405, 413, 500, 503)}
        if mode == "classic":
            with classic(app):
                answer = await call(app, body, [*hdrs], **options)
        else:
            answer = await call(app, body, [*hdrs], **options)
        after = {s: counted(s, options.get("path", "/graphql")) for s in before}
        status, out_headers, out_body, raised = answer
        cid = dict(out_headers).get(b"x-correlation-id")
        if cid is not None and b"c-123" not in cid:  # a new chain's id is random: the same shape in both
            assert len(cid) == 32
            out_headers = [(k, b"<new>" if k == b"x-correlation-id" else v) for k, v in out_headers]
            out_body = out_body.replace(cid, b"<new>")
        answers.append((status, out_headers, out_body, raised, {s: after[s] - before[s] for s in before}))
    if name in ("syntax", "tokens"):
        # The one difference: a document that does not parse gets its code on the shortcut too. Strawberry's
        # path skipped the error codes' pass when the parse failed (the gateway parses every document before
        # a subgraph sees it, so only a direct caller with the secret could send one).
        shortcut, old = json.loads(answers[0][2]), json.loads(answers[1][2])
        for error in old["errors"]:
            error["extensions"] = {"code": "GRAPHQL_VALIDATION_FAILED"}
        assert shortcut == old
        answers = [(a[0], [h for h in a[1] if h[0] != b"content-length"], b"", *a[3:]) for a in answers]
    assert answers[0] == answers[1]


async def test_what_the_shortcut_enforces(app: ServiceApp) -> None:
    """The checks themselves (the comparison above would pass if both ways lost one)."""
    who = json.dumps({"query": "query W($i: ID!) { who(id: $i) { role correlationId address } }",
                      "variables": {"i": ID}}).encode()
    cid = (("x-correlation-id", "c-123"), ("x-kabinet-client-address", "203.0.113.7"))
    status, hdrs, body, _ = await call(app, who, headers(who, extra=cid))
    assert status == 200 and (b"x-correlation-id", b"c-123") in hdrs
    assert json.loads(body) == {"data": {"who": {"role": "guardian", "correlationId": "c-123",
                                                 "address": "203.0.113.7"}}}
    status, hdrs, body, _ = await call(app, who, headers(who, secret=None))
    assert status == 403 and json.loads(body)["errors"][0]["extensions"]["code"] == "GATEWAY_ONLY"
    status, hdrs, body, _ = await call(app, who, headers(who, token="x.y.z"))
    assert status == 401 and json.loads(body)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    status, hdrs, body, _ = await call(app, who, headers(who, extra=(("content-length", "9999999"),)))
    assert status == 413 and json.loads(body)["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    status, _, body, raised = await call(app, b'{"query": "{ broken }"}', headers(b"", length=False))
    assert status == 200 and raised is None
    error = json.loads(body)["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR" and "passwd" not in body.decode()
    status, _, body, _ = await call(app, b'{"query": "{ down }"}', headers(b"", length=False))
    assert status == 503 and json.loads(body)["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    status, hdrs, body, raised = await call(app, who, headers(who, token="boom"))
    assert (status, body) == (500, b"Internal Server Error") and raised is not None and "bug" in raised
    status, hdrs, _, _ = await call(app, b'{"query": "mutation { signIn }"}', headers(b"", length=False))
    assert status == 200 and any(k == b"set-cookie" and v.startswith(b"kabinet_refresh=r") for k, v in hdrs)


async def test_a_middleware_added_later_is_never_skipped() -> None:
    app = build()
    seen: list[str] = []

    class Seen:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope["path"])
            await self.inner(scope, receive, send)

    app.add_middleware(Seen)
    body = b'{"query": "{ name(text: \\"a\\") }"}'
    status, _, _, _ = await call(app, body, headers(body))
    assert status == 200 and seen == ["/graphql"]
