"""The gateway's hit path: CPU per request when every answer comes from the entity cache, against the same
requests with the cache off (embedded stack: SQLite, in-process subgraphs; the web app's `Cabinet` document and
a family query, one guardian token per family). Prints CPU ms per request for both, and with --profile the
top functions of the cached path (cProfile).

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

# bench/gateway.py would shadow the gateway package when this runs as a script from bench/.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from gateway.config import GatewaySettings  # noqa: E402
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


async def run(cache: str, families: int, requests: int, profile: bool) -> float:
    key = SigningKey.generate()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp), messaging=MessagingSettings(amqp_url=None), identity_private_key_pem=key.to_pem(),
                      gateway_settings=GatewaySettings(compose_timeout_s=60, cache=cache))
        async with stack.running():
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://gw")
            admin = {"authorization": f"Bearer {token_for(key, ADMIN)}"}
            bodies: list[tuple[dict[str, str], bytes]] = []
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
                token = token_for(key, Principal(user_id=f"g-{i}", role=Role.GUARDIAN, family_id=family,
                                                 student_ids=frozenset(kids)))
                body = json.dumps({"query": cabinet_document(), "operationName": "Cabinet", "variables": {
                    "studentId": kids[0], "withHome": True, "from": now.isoformat(),
                    "to": (now + timedelta(days=60)).isoformat()}}).encode()
                bodies.append(({"authorization": f"Bearer {token}", "content-type": "application/json"}, body))
            for headers, body in bodies:  # warm: tokens verified, documents planned, answers cached
                response = await client.post("/graphql", headers=headers, content=body)
                assert response.status_code == 200 and "errors" not in response.json(), response.text
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
            cpu_ms = (time.process_time() - started) * 1000 / requests
            await client.aclose()
            if profiler is not None:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            return cpu_ms


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=20)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    results: dict[str, Any] = {}
    for cache in ("memory", "off"):
        results[cache] = await run(cache, args.families, args.requests, args.profile and cache == "memory")
    print(f"CPU ms per Cabinet request (this process: the gateway, and the subgraphs in-process when they are "
          f"called): cache on {results['memory']:.2f}, off {results['off']:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
