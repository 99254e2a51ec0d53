"""Kabinet's gateway against @apollo/gateway and @graphql-hive/gateway (its default JavaScript runtime, and with
Hive Router's Rust query planner from @graphql-hive/router-runtime), on the same subgraphs, in the same run.

    make bench-gateway      (or: uv run python bench/gateway.py [--duration 8] [--connections 50])

Subgraphs: four purpose-built Strawberry federation subgraphs shaped like the services (identity: families and
students; billing: the family's account; scheduling: a student's next lessons, plus a large lesson catalogue;
learning: a student's last grades and open homework), with 20 families of 2-3 children. They run in one
separate process behind a memoising front (tests/node/memo-proxy.mjs, Node): the first request of each
distinct body runs Strawberry, repeats are answered from memory, so the subgraphs are cheap and equal for every
gateway and the gateway is what is measured.

Gateways: ours (`kabinet-gateway serve`: uvicorn + uvloop + httptools), `@apollo/gateway` 2.x behind
`@apollo/server`, `@graphql-hive/gateway` (its runtime on node:http, inbound in-flight deduplication off), and
the same Hive Gateway with `unifiedGraphHandler` from `@graphql-hive/router-runtime` (the Rust planner). All
four read the same supergraph file (composed by `@apollo/composition`). One process each, each pinned to the
same CPU (`taskset -c 1` when the machine has 2+ CPUs); the subgraphs and the load generator share the other.

Load: autocannon (tests/node/load.mjs), 2 s warm-up then `--duration` s per scenario, `--connections` connections:
  S1 one subgraph: a family with its students (identity only);
  S2 the family cabinet: family -> students -> balance, next lessons, last grades, open homework (all four);
  S3 S2 with the family id varying over 20 families;
  S4 a ~1 MB response (4000 catalogue lessons from scheduling);
  S5 one client, sequential: the latency the gateway adds on S1 over calling the subgraph directly (p50/p99),
     measured with a Python client in this process (2000 requests after 300 of warm-up).
RSS: the gateway process's resident memory, the largest sample taken every 0.25 s while it is under load.
All four gateways run at once (an idle one costs nothing) and each scenario is measured in two slices that
rotate through them, so a burst of other load on the machine falls on all of them alike.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles
from typing import Any

import strawberry

from kabinet.testing.net import free_port as _free_port
from kabinet.testing.net import stop_processes

ROOT = Path(__file__).resolve().parents[1]
# This file is bench/gateway.py: keep its directory off the path so `import gateway` is the gateway package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
NODE_DIR = ROOT / "tests" / "node"
FAMILIES = [f"fam-{i:02d}" for i in range(20)]

# --- the subgraphs (run in their own process: `bench/gateway.py --serve-subgraphs`) ---------------------


def students_of(family_id: str) -> list[str]:
    n = 2 + int(family_id[-2:]) % 2
    return [f"{family_id}-s{i}" for i in range(n)]

# identity
@strawberry.federation.type(name="Student", keys=["id"])
class IdStudent:
    id: strawberry.ID
    first_name: str
    last_name: str
    family_id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> IdStudent:
        return id_student(str(id))

def id_student(sid: str) -> IdStudent:
    return IdStudent(id=strawberry.ID(sid), first_name=f"Child {sid[-1]}", last_name="Ivanova",
                     family_id=strawberry.ID(sid.rsplit("-", 1)[0]))

@strawberry.federation.type(name="Family", keys=["id"])
class IdFamily:
    id: strawberry.ID
    guardian_phone: str

    @strawberry.field
    def students(self) -> list[IdStudent]:
        return [id_student(s) for s in students_of(str(self.id))]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> IdFamily:
        return IdFamily(id=id, guardian_phone="+7912000" + str(id)[-2:].rjust(4, "0"))

@strawberry.type
class IdQuery:
    @strawberry.field
    def family(self, id: strawberry.ID) -> IdFamily | None:
        return IdFamily.resolve_reference(id) if str(id) in FAMILIES else None

# billing
@strawberry.type
class AccountBalance:
    amount: str
    currency: str

@strawberry.type
class FamilyAccount:
    id: strawberry.ID
    balance: AccountBalance
    in_debt: bool

@strawberry.federation.type(name="Family", keys=["id"])
class BillFamily:
    id: strawberry.ID

    @strawberry.field
    def account(self) -> FamilyAccount:
        amount = (int(str(self.id)[-2:]) * 137) % 5000 - 1000
        return FamilyAccount(id=strawberry.ID(f"acc-{self.id}"),
                             balance=AccountBalance(amount=f"{amount}.00", currency="RUB"), in_debt=amount < 0)

@strawberry.type
class BillQuery:
    @strawberry.field
    def billing_currency(self) -> str:
        return "RUB"

# scheduling
@strawberry.type
class Lesson:
    id: strawberry.ID
    starts_at: str
    ends_at: str
    title: str
    room: str
    teacher_name: str

def lesson(n: int, prefix: str = "l") -> Lesson:
    day, hour = 1 + n % 28, 9 + n % 10
    return Lesson(id=strawberry.ID(f"{prefix}-{n:05d}"), starts_at=f"2025-09-{day:02d}T{hour:02d}:00:00+03:00",
                  ends_at=f"2025-09-{day:02d}T{hour:02d}:45:00+03:00", title=f"English, group B{n % 7}",
                  room=f"Room {n % 12}", teacher_name=f"Teacher number {n % 30}")

@strawberry.federation.type(name="Student", keys=["id"])
class SchedStudent:
    id: strawberry.ID

    @strawberry.field
    def next_lessons(self, first: int = 5) -> list[Lesson]:
        base = sum(map(ord, str(self.id)))
        return [lesson(base + i) for i in range(first)]

@strawberry.type
class SchedQuery:
    @strawberry.field
    def lesson_catalog(self, first: int = 4000) -> list[Lesson]:
        return [lesson(i, "c") for i in range(first)]

# learning
@strawberry.type
class Grade:
    lesson_id: strawberry.ID
    grade: str
    posted_at: str

@strawberry.type
class Homework:
    lesson_id: strawberry.ID
    text: str
    due_at: str

@strawberry.federation.type(name="Student", keys=["id"])
class LearnStudent:
    id: strawberry.ID

    @strawberry.field
    def last_grades(self, last: int = 5) -> list[Grade]:
        return [Grade(lesson_id=strawberry.ID(f"l-{i:05d}"), grade=str(3 + i % 3),
                      posted_at=f"2025-09-{1 + i:02d}T12:00:00+03:00") for i in range(last)]

    @strawberry.field
    def open_homework(self) -> list[Homework]:
        return [Homework(lesson_id=strawberry.ID(f"l-{i:05d}"), text=f"Workbook p. {10 + i}, ex. {i + 1}",
                         due_at=f"2025-09-{10 + i:02d}T09:00:00+03:00") for i in range(3)]

@strawberry.type
class LearnQuery:
    @strawberry.field
    def grade_scales(self) -> list[str]:
        return ["five_point"]

def build_subgraphs() -> dict[str, Any]:
    return {
        "identity": strawberry.federation.Schema(query=IdQuery, types=[IdFamily, IdStudent]),
        "billing": strawberry.federation.Schema(query=BillQuery, types=[BillFamily]),
        "scheduling": strawberry.federation.Schema(query=SchedQuery, types=[SchedStudent]),
        "learning": strawberry.federation.Schema(query=LearnQuery, types=[LearnStudent]),
    }



class Memo:
    """ASGI middleware: answers a repeated POST body from memory (the first one runs the app)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cache: dict[bytes, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        hit = self.cache.get(body)
        if hit is None:
            sent: list[dict[str, Any]] = []

            async def replay() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def capture(message: dict[str, Any]) -> None:
                sent.append(message)

            await self.app(scope, replay, capture)
            headers = [(k, v) for k, v in sent[0].get("headers", []) if k.lower() != b"content-length"]
            hit = (sent[0]["status"], headers, b"".join(m.get("body", b"") for m in sent[1:]))
            if hit[0] == 200 and len(self.cache) < 20_000:
                self.cache[body] = hit
        status, headers, payload = hit
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


def serve_subgraphs() -> None:
    import uvicorn
    from strawberry.asgi import GraphQL

    async def main() -> None:
        servers, urls = [], {}
        for name, schema in build_subgraphs().items():
            port = _free_port()
            config = uvicorn.Config(Memo(GraphQL(schema)), host="127.0.0.1", port=port, log_level="warning",
                                    access_log=False, loop="uvloop", http="httptools", lifespan="off")
            server = uvicorn.Server(config)
            server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
            servers.append(asyncio.create_task(server.serve()))
            while not server.started:
                await asyncio.sleep(0.01)
            urls[name] = f"http://127.0.0.1:{port}/graphql"
        print(json.dumps(urls), flush=True)
        await asyncio.gather(*servers)

    import uvloop

    uvloop.run(main())


# --- the run -----------------------------------------------------------------------------------------------

S1 = "query Family($id: ID!) { family(id: $id) { id guardianPhone students { id firstName lastName } } }"
S1_DIRECT = "query($id: ID!) { family(id: $id) { id guardianPhone students { id firstName lastName } } }"
S2 = """query Cabinet($id: ID!) {
  family(id: $id) {
    id
    guardianPhone
    account { balance { amount currency } inDebt }
    students {
      id
      firstName
      lastName
      nextLessons(first: 5) { id startsAt endsAt title room teacherName }
      lastGrades(last: 5) { lessonId grade postedAt }
      openHomework { lessonId text dueAt }
    }
  }
}"""
S4 = "query Catalog { lessonCatalog(first: 4000) { id startsAt endsAt title room teacherName } }"


def body(query: str, variables: dict[str, Any] | None = None) -> str:
    return json.dumps({"query": query, "variables": variables or {}}, separators=(",", ":"))


SCENARIOS: dict[str, tuple[str, list[str]]] = {
    "S1 one subgraph": ("S1", [body(S1, {"id": "fam-07"})]),
    "S2 family cabinet (4 subgraphs)": ("S2", [body(S2, {"id": "fam-07"})]),
    "S3 S2, varying variables": ("S3", [body(S2, {"id": f}) for f in FAMILIES]),
    "S4 ~1 MB response": ("S4", [body(S4)]),
}



def pinned(command: list[str], cpu: int | None) -> list[str]:
    if cpu is not None and shutil.which("taskset"):
        return ["taskset", "-c", str(cpu), *command]
    return command


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler:
    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.peak = max(self.peak, rss_kb(self.pid))

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def process(command: list[str], env: dict[str, str], *, cwd: Path, ready_url: str | None = None) -> Iterator[
        tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(command, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        if ready_url is None:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{command} did not start: {proc.stderr.read() if proc.stderr else ''}")
            parsed = json.loads(line)
            url = parsed.get("url", line)
        else:
            import httpx

            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(ready_url.replace("/graphql", "/readyz"), timeout=1).status_code == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command} did not get ready: {proc.stderr.read() if proc.stderr else ''}")
                time.sleep(0.1)
            url = ready_url
        yield proc, url
    finally:
        stop_processes(proc, timeout_s=10)


def load(url: str, bodies: list[str], duration: float, connections: int, cpu: int | None) -> dict[str, Any]:
    config = {"url": url, "connections": connections, "duration": duration, "bodies": bodies}
    done = subprocess.run(pinned([shutil.which("node") or "node", "load.mjs"], cpu), cwd=NODE_DIR, check=True,
                          input=json.dumps(config), capture_output=True, text=True)
    return dict(json.loads(done.stdout))


def single_client_latency(url: str, payload: str, n: int = 2000, warmup: int = 300) -> tuple[float, float]:
    import httpx

    times: list[float] = []
    with httpx.Client(headers={"content-type": "application/json"}) as client:
        for i in range(warmup + n):
            started = time.perf_counter()
            response = client.post(url, content=payload)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200
            if i >= warmup:
                times.append(elapsed * 1000)
    cuts = quantiles(times, n=100)
    return cuts[49], cuts[98]


def gateways(supergraph: Path, cpu: int | None) -> dict[str, tuple[list[str], dict[str, str], str | None]]:
    node = shutil.which("node") or "node"
    port = _free_port()
    ours_env = {"GATEWAY_SUPERGRAPH_FILE": str(supergraph), "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(port),
                "GATEWAY_POLL_INTERVAL_S": "0", "GATEWAY_SUBSCRIPTIONS_ENABLED": "false", "AMQP_URL": "",
                "JWKS_URL": "", "KABINET_GATEWAY_SECRET": secrets.token_hex(32)}  # the bench subgraphs ignore it
    return {
        "kabinet": (pinned([sys.executable, "-m", "gateway.cli", "serve"], cpu), ours_env,
                    f"http://127.0.0.1:{port}/graphql"),
        "apollo": (pinned([node, "apollo-gateway.mjs"], cpu), {"SUPERGRAPH_FILE": str(supergraph)}, None),
        "hive": (pinned([node, "hive-gateway.mjs"], cpu), {"SUPERGRAPH_FILE": str(supergraph)}, None),
        # Hive Gateway with Hive Router's Rust query planner (@graphql-hive/router-runtime).
        "hive-rust": (pinned([node, "hive-gateway.mjs"], cpu),
                      {"SUPERGRAPH_FILE": str(supergraph), "HIVE_ROUTER_RUNTIME": "1"}, None),
    }


def run(duration: float, connections: int) -> dict[str, Any]:
    from gateway.testing.apollo import compose_with_apollo

    cpus = os.cpu_count() or 1
    gateway_cpu, other_cpu = (1, 0) if cpus >= 2 else (None, None)
    results: dict[str, Any] = {"gateways": {}, "machine": machine(), "date": datetime.now(UTC).date().isoformat(),
                               "load_average": {"start": os.getloadavg()[0]}}
    sub_cmd = pinned([sys.executable, __file__, "--serve-subgraphs"], other_cpu)
    with process(sub_cmd, {}, cwd=ROOT) as (_, strawberry_urls), tempfile.TemporaryDirectory() as tmp:
        memo_cmd = pinned([shutil.which("node") or "node", "memo-proxy.mjs"], other_cpu)
        stack = contextlib.ExitStack()
        _, memo_line = stack.enter_context(process(memo_cmd, {"UPSTREAMS": strawberry_urls}, cwd=NODE_DIR))
        urls = json.loads(memo_line) if isinstance(memo_line, str) else memo_line
        import httpx

        sdls = {name: httpx.post(url, json={"query": "{ _service { sdl } }"}).json()["data"]["_service"]["sdl"]
                for name, url in urls.items()}
        composed = compose_with_apollo(sdls)
        assert composed.ok and composed.supergraph_sdl, composed.errors
        supergraph = Path(tmp) / "supergraph.graphql"
        sdl = composed.supergraph_sdl
        for name, url in urls.items():  # the URLs @apollo/composition wrote are placeholders
            sdl = sdl.replace(f"http://{name}/graphql", url)
        supergraph.write_text(sdl)
        reference: dict[str, Any] = {}
        running: dict[str, tuple[subprocess.Popen[str], str]] = {}
        for name, (command, env, ready) in gateways(supergraph, gateway_cpu).items():
            cwd = NODE_DIR if name != "kabinet" else ROOT
            running[name] = stack.enter_context(process(command, env, cwd=cwd, ready_url=ready))
            results["gateways"][name] = {"scenarios": {}, "idle_rss_mb": rss_kb(running[name][0].pid) / 1024}
        # All three run (each pinned to the same CPU; an idle one costs nothing); each scenario is measured in
        # `rounds` slices that rotate through the gateways, so a burst of other load on the machine is shared.
        rounds = 2
        for title, (_, bodies) in SCENARIOS.items():
            totals: dict[str, dict[str, Any]] = {}
            for name, (_, url) in running.items():
                answer = httpx.post(url, content=bodies[0], headers={"content-type": "application/json"},
                                    timeout=60).json()
                assert "errors" not in answer, (name, title, str(answer)[:500])
                # Every gateway must give the same answer before its speed means anything.
                assert reference.setdefault(title, answer) == answer, (name, title)
                load(url, bodies, 2, connections, other_cpu)  # warm-up (and fills the subgraphs' memo)
                totals[name] = {"requests": 0, "seconds": 0.0, "p50": [], "p99": [], "errors": 0, "rss": 0}
            for _ in range(rounds):
                for name, (proc, url) in running.items():
                    with Sampler(proc.pid) as sampler:
                        stats = load(url, bodies, duration / rounds, connections, other_cpu)
                    t = totals[name]
                    t["requests"] += stats["requests"]
                    t["seconds"] += duration / rounds
                    t["p50"].append(stats["p50"])
                    t["p99"].append(stats["p99"])
                    t["errors"] += stats["errors"] + stats["non2xx"]
                    t["rss"] = max(t["rss"], sampler.peak)
            for name, t in totals.items():
                stats = {"rps": t["requests"] / t["seconds"], "p50": sum(t["p50"]) / rounds,
                         "p99": max(t["p99"]), "errors": t["errors"], "rss_mb": t["rss"] / 1024}
                results["gateways"][name]["scenarios"][title] = stats
                print(f"  {name:8} {title:34} {stats['rps']:9.0f} rps  p50 {stats['p50']:6.1f} ms  "
                      f"p99 {stats['p99']:6.1f} ms  rss {stats['rss_mb']:6.0f} MB  errors {stats['errors']}",
                      flush=True)
        for name, (_, url) in running.items():
            p50, p99 = single_client_latency(url, SCENARIOS["S1 one subgraph"][1][0])
            direct = single_client_latency(urls["identity"], body(S1_DIRECT, {"id": "fam-07"}))
            results["gateways"][name]["s5"] = {"p50": p50, "p99": p99, "direct_p50": direct[0],
                                               "added_p50": p50 - direct[0], "added_p99": p99 - direct[1]}
            print(f"  {name:8} S5 one client: p50 {p50:.2f} ms (direct subgraph {direct[0]:.2f} ms) -> "
                  f"adds {p50 - direct[0]:.2f} ms; p99 adds {p99 - direct[1]:.2f} ms", flush=True)
        stack.close()
    # The 1-minute load average before and after (the machine may be shared: other load depresses every number).
    results["load_average"]["end"] = os.getloadavg()[0]
    return results


def machine() -> str:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}"


PEERS = ("kabinet", "apollo", "hive", "hive-rust")
PEER_TITLES = {"kabinet": "Kabinet", "apollo": "Apollo", "hive": "Hive", "hive-rust": "Hive (Rust planner)"}
PEER_INITIALS = {"kabinet": "K", "apollo": "A", "hive": "H", "hive-rust": "HR"}


def table(results: dict[str, Any]) -> str:
    g = results["gateways"]
    peers = [n for n in PEERS if n in g]
    others = [n for n in peers if n != "kabinet"]
    load = results.get("load_average", {})
    initials = " / ".join(PEER_INITIALS[n] for n in peers)
    lines = [
        f"Run {results['date']} on {results['machine']}; 1-minute load average {load.get('start', 0):.2f} at the "
        f"start, {load.get('end', 0):.2f} at the end.",
        "",
        "| scenario | " + " | ".join(f"{PEER_TITLES[n]} rps" for n in peers) + " | "
        + " | ".join(f"ours / {PEER_TITLES[n]}" for n in others)
        + f" | p50 ms ({initials}) | p99 ms ({initials}) | RSS MB ({initials}) |",
        "| --- | " + " | ".join("---:" for _ in peers) + " | " + " | ".join("---:" for _ in others)
        + " | --- | --- | --- |",
    ]
    for title in SCENARIOS:
        stats = {n: g[n]["scenarios"][title] for n in peers}
        k = stats["kabinet"]
        lines.append(
            f"| {title} | " + " | ".join(f"{stats[n]['rps']:.0f}" for n in peers) + " | "
            + " | ".join(f"{k['rps'] / stats[n]['rps']:.2f}x" for n in others) + " | "
            + " / ".join(f"{stats[n]['p50']:.0f}" for n in peers) + " | "
            + " / ".join(f"{stats[n]['p99']:.0f}" for n in peers) + " | "
            + " / ".join(f"{stats[n]['rss_mb']:.0f}" for n in peers) + " |"
        )
    d = g["kabinet"]["s5"]["direct_p50"]
    s5 = " / ".join(f"{g[n]['s5']['added_p50']:.2f}" for n in peers)
    s5_99 = " / ".join(f"{g[n]['s5']['added_p99']:.2f}" for n in peers)
    blanks = " |" * (len(peers) + len(others))
    lines.append(f"| S5 one client: latency added over the subgraph (direct p50 ~{d:.2f} ms) |{blanks} "
                 f"+{s5} | +{s5_99} | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--serve-subgraphs", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=None, help="also write the raw results here")
    args = parser.parse_args()
    if args.serve_subgraphs:
        serve_subgraphs()
        return
    if not (NODE_DIR / "node_modules" / "autocannon").is_dir():
        sys.exit("run `npm ci --prefix tests/node` first (autocannon, @apollo/gateway, @graphql-hive/gateway)")
    print("gateway benchmark: kabinet vs @apollo/gateway vs @graphql-hive/gateway (JS and Rust planners)", flush=True)
    results = run(args.duration, args.connections)
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
