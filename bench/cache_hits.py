"""The gateway's hit path: CPU per request when every answer comes from the cache - the entity cache alone
(GATEWAY_CACHE_RESPONSES=false: every fetch a hit) and with the response layer on top (the whole answer a hit) -
against the same requests with the cache off (embedded stack: SQLite, in-process subgraphs; the web app's
`Cabinet` document, one guardian token per family). Prints, per mode, CPU per request through the ASGI app
(the test client, Starlette, the token, the body, the gateway; the subgraphs in-process when called) and CPU
per request of the gateway's pipeline alone (`GatewayPipeline.execute` called directly with the caller's scope:
what the cache layers change), and with --profile the top functions of the response layer's path (cProfile).

    uv run python bench/cache_hits.py [--families 20] [--requests 2000] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import REGISTRY

# bench/gateway.py would shadow the gateway package when this runs as a script from bench/.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from gateway.cache import scope_for  # noqa: E402
from gateway.config import GatewaySettings  # noqa: E402
from gateway.pipeline import GraphQLRequest  # noqa: E402
from kabinet.auth import Principal, Role, SigningKey  # noqa: E402
from kabinet.settings import MessagingSettings  # noqa: E402
from kabinet.testing.stack import token_for  # noqa: E402
from kabinet_stack.embedded import Stack  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
B1 = "00000000-0000-4000-8000-0000000000b1"
ADMIN = Principal(user_id="admin-1", role=Role.BRANCH_ADMIN, branch_ids=frozenset({B1}))
REGISTER = """mutation($input: RegisterStudentInput!) {
  registerStudent(input: $input) { student { id familyId } errors { code message } } }"""


def cabinet_document() -> str:
    docs = json.loads((ROOT / "web/src/gql/persisted-documents.json").read_text())
    return next(d for d in docs.values() if "query Cabinet(" in d)


MODES = {  # mode: (GATEWAY_CACHE, GATEWAY_CACHE_RESPONSES)
    "off": ("off", False),
    "entity": ("memory", False),
    "response": ("memory", True),
}


async def run(mode: str, families: int, requests: int, profile: bool) -> tuple[float, float, float]:
    """CPU µs per request: through the test client and the ASGI app, of the gateway's app alone (no client), and
    of the pipeline alone."""
    cache, responses = MODES[mode]
    key = SigningKey.generate()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp), messaging=MessagingSettings(amqp_url=None), identity_private_key_pem=key.to_pem(),
                      gateway_settings=GatewaySettings(compose_timeout_s=60, cache=cache,
                                                       cache_responses=responses))
        async with stack.running():
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://gw")
            admin = {"authorization": f"Bearer {token_for(key, ADMIN)}"}
            bodies: list[tuple[dict[str, str], bytes]] = []
            principals: list[Principal] = []
            now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            for i in range(families):
                kids: list[str] = []
                family = None
                for k in range(2):
                    got = (await client.post("/graphql", headers=admin, json={"query": REGISTER, "variables": {
                        "input": {"guardianPhone": f"+7 912 100-{i // 100:02d}-{i % 100:02d}", "firstName": f"K{k}",
                                  "lastName": "B", "birthDate": "2015-01-01", "branchId": B1}}})).json()
                    student = got["data"]["registerStudent"]["student"]
                    family, kids = student["familyId"], [*kids, student["id"]]
                principal = Principal(user_id=f"g-{i}", role=Role.GUARDIAN, family_id=family,
                                      student_ids=frozenset(kids))
                principals.append(principal)
                token = token_for(key, principal)
                body = json.dumps({"query": cabinet_document(), "operationName": "Cabinet", "variables": {
                    "studentId": kids[0], "withHome": True, "from": now.isoformat(),
                    "to": (now + timedelta(days=60)).isoformat()}}).encode()
                bodies.append(({"authorization": f"Bearer {token}", "content-type": "application/json"}, body))
            for _ in range(2):  # warm: tokens verified, documents planned, answers cached
                for headers, body in bodies:
                    response = await client.post("/graphql", headers=headers, content=body)
                    assert response.status_code == 200 and "errors" not in response.json(), response.text
            before = _lookups()
            profiler = cProfile.Profile() if profile else None
            started = time.process_time()
            if profiler is not None:
                profiler.enable()
            for i in range(requests):
                headers, body = bodies[i % len(bodies)]
                response = await client.post("/graphql", headers=headers, content=body)
                assert response.status_code == 200
            if profiler is not None:
                profiler.disable()
            asgi_us = (time.process_time() - started) * 1e6 / requests
            print(f"  {mode}: a Cabinet answer is {len(response.content)} bytes")
            after = _lookups()
            print(f"  {mode}: lookups in the measured requests: "
                  + ", ".join(f"{k} {after[k] - before[k]:.0f}" for k in after if after[k] != before[k]))
            await client.aclose()
            if profiler is not None:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            # The gateway's own ASGI app, called without a client (what a server process spends past HTTP parsing).
            sent: list[dict[str, Any]] = []
            started = time.process_time()
            for i in range(requests):
                headers, body = bodies[i % len(bodies)]
                sent.clear()
                await stack.gateway(_scope(headers, body), _receiver(body), _collect(sent))
                assert sent[0]["status"] == 200
            app_us = (time.process_time() - started) * 1e6 / requests
            # The pipeline alone: what follows authentication and reading the body.
            pipeline = stack.gateway.state.gateway.pipeline
            calls = []
            for principal, (headers, body) in zip(principals, bodies, strict=True):
                payload = json.loads(body)
                calls.append((GraphQLRequest(payload["query"], payload["operationName"], payload["variables"]),
                              {"authorization": headers["authorization"]}, scope_for(principal)))
            started = time.process_time()
            for i in range(requests):
                request, forwarded, scope = calls[i % len(calls)]
                result = await pipeline.execute(request, forwarded, cache_scope=scope if cache != "off" else None)
                assert "errors" not in result.body, result.body
            pipeline_us = (time.process_time() - started) * 1e6 / requests
            return asgi_us, app_us, pipeline_us


def _scope(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    raw += [(b"host", b"gw"), (b"content-length", str(len(body)).encode())]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": "/graphql", "raw_path": b"/graphql", "root_path": "", "query_string": b"", "headers": raw,
            "client": ("127.0.0.1", 5000), "server": ("gw", 80)}


def _receiver(body: bytes) -> Any:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _collect(sent: list[dict[str, Any]]) -> Any:
    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    return send


def _lookups() -> dict[str, float]:
    out: dict[str, float] = {}
    for metric, name in (("gateway_entity_cache_lookups_total", "entity"),
                         ("gateway_response_cache_lookups_total", "response")):
        for result in ("hit", "miss"):
            out[f"{name} {result}"] = REGISTRY.get_sample_value(metric, {"result": result}) or 0.0
    return out


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=20)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--modes", default=",".join(MODES), help="which of off,entity,response to run")
    args = ap.parse_args()
    results: dict[str, tuple[float, float, float]] = {}
    for mode in args.modes.split(","):
        results[mode] = await run(mode, args.families, args.requests, args.profile and mode == "response")
    print("CPU µs per Cabinet request (this process; the subgraphs in-process when they are called):")
    print(f"  {'':<40} {'client + ASGI app':>18} {'gateway app alone':>18} {'pipeline alone':>15}")
    for mode, label in (("off", "cache off"), ("entity", "entity cache only (every fetch a hit)"),
                        ("response", "response layer (the answer a hit)")):
        if mode not in results:
            continue
        asgi, app, alone = results[mode]
        print(f"  {label:<40} {asgi:>18.0f} {app:>18.0f} {alone:>15.0f}")


if __name__ == "__main__":
    asyncio.run(main())
