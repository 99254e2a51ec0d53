// Load generator for bench/cabinet.py: autocannon against one URL with a weighted mix of operations.
// Input on stdin: {"url": "...", "connections": 30, "duration": 60,
//                  "ops": [{"name": "home", "weight": 60, "requests": [{"auth": "Bearer ...", "body": "{...}"}]}],
//                  "trace": "/optional/file.csv"}
// With "trace", every response is written there as "ms since start,op,latency ms" (where the tail sits in time).
// "__N__" in a body is replaced by a number unique in the run (idempotency keys of writes), each "__G__" by a grade
// drawn from 3-5 (a re-saved sheet changes as a teacher's would: the same saved twice changes nothing, publishes nothing).
// A response is an error unless it is HTTP 200 with no top-level "errors" and no non-empty payload "errors".
// Output on stdout: {"rps", "requests", "errors", "seconds", "ops": {name: {"count", "errors", "p50", "p99", "rps"}},
//                    "sample_errors": [...]}
import { writeFileSync } from "node:fs";
import autocannon from "autocannon";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cfg = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const total = cfg.ops.reduce((s, o) => s + o.weight, 0);
const run = Math.random().toString(36).slice(2, 8);
let counter = 0;
const stats = Object.fromEntries(cfg.ops.map((o) => [o.name, { lat: [], errors: 0 }]));
const sampleErrors = [];
const trace = cfg.trace ? [] : null;

function pick() {
  let r = Math.random() * total;
  for (const op of cfg.ops) {
    r -= op.weight;
    if (r < 0) return op;
  }
  return cfg.ops[cfg.ops.length - 1];
}

function failed(status, body) {
  if (status !== 200) return true;
  try {
    const doc = JSON.parse(body);
    if (doc.errors && doc.errors.length) return true;
    for (const v of Object.values(doc.data || {})) {
      if (v && Array.isArray(v.errors) && v.errors.length) return true;
    }
    return false;
  } catch {
    return true;
  }
}

const started = process.hrtime.bigint();
const instance = autocannon({
  url: cfg.url,
  connections: cfg.connections ?? 30,
  duration: cfg.duration ?? 60,
  method: "POST",
  timeout: 60,
  requests: [
    {
      setupRequest: (request, context) => {
        const op = pick();
        const r = op.requests[Math.floor(Math.random() * op.requests.length)];
        context.op = op.name;
        request.headers = { "content-type": "application/json", accept: "application/json", authorization: r.auth };
        let body = r.body.includes("__N__") ? r.body.replaceAll("__N__", `${run}-${counter++}`) : r.body;
        if (body.includes("__G__")) body = body.replaceAll("__G__", () => String(3 + Math.floor(Math.random() * 3)));
        request.body = body;
        return request;
      },
      onResponse: (status, body, context) => {
        context.failed = failed(status, body);
        if (context.failed && sampleErrors.length < 5) sampleErrors.push(`${context.op} ${status}: ${body.slice(0, 300)}`);
      },
    },
  ],
});
instance.on("response", (client, statusCode, resBytes, responseTime) => {
  const ctx = client.requestIterator.context;
  const s = stats[ctx.op];
  if (!s) return;
  s.lat.push(responseTime);
  if (trace) trace.push(`${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)},${ctx.op},${responseTime.toFixed(1)}`);
  if (ctx.failed) s.errors += 1;
});
instance.on("done", (result) => {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const pct = (arr, p) => {
    if (!arr.length) return null;
    const sorted = Float64Array.from(arr).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  };
  const ops = {};
  let requests = 0;
  let errors = result.errors + result.timeouts;
  for (const [name, s] of Object.entries(stats)) {
    requests += s.lat.length;
    errors += s.errors;
    ops[name] = { count: s.lat.length, errors: s.errors, p50: pct(s.lat, 50), p99: pct(s.lat, 99),
                  rps: s.lat.length / (cfg.duration ?? 60) };
  }
  if (trace) writeFileSync(cfg.trace, trace.join("\n") + "\n");
  if (result.timeouts) sampleErrors.push(`${result.timeouts} requests timed out (60 s)`);
  if (result.errors) sampleErrors.push(`${result.errors} connection errors`);
  process.stdout.write(JSON.stringify({ rps: requests / (cfg.duration ?? 60), requests, errors, seconds, ops,
                                        sample_errors: sampleErrors }) + "\n");
});
