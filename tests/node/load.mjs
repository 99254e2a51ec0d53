// Load generator for bench/gateway_peers.py: autocannon against one URL, POSTing JSON bodies in turn.
// Input on stdin: {"url": "...", "connections": 50, "duration": 8, "bodies": ["{...}", ...]}
// Output on stdout: {"rps": ..., "p50": ms, "p99": ms, "requests": n, "errors": n, "non2xx": n, "bytes": n}
import autocannon from "autocannon";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cfg = JSON.parse(Buffer.concat(chunks).toString("utf8"));
let next = 0;
const result = await autocannon({
  url: cfg.url,
  connections: cfg.connections ?? 50,
  duration: cfg.duration ?? 8,
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/json" },
  requests: [
    {
      setupRequest: (request) => {
        request.body = cfg.bodies[next++ % cfg.bodies.length];
        return request;
      },
    },
  ],
});
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    bytes: result.throughput.total,
  }) + "\n",
);
