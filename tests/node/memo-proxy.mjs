// Memoising front for bench/gateway_peers.py's Strawberry subgraphs: one port per subgraph; a POST body seen before is
// answered from memory, a new one is forwarded to the subgraph (and its 200 answer kept). It keeps the subgraphs
// cheap and equal for every gateway, so the benchmark measures the gateways.
// Input: env UPSTREAMS='{"name": "http://127.0.0.1:port/graphql", ...}'.
// Output: one JSON line on stdout: {"name": "http://127.0.0.1:PORT/graphql", ...}.
import { createServer, request } from "node:http";

const upstreams = JSON.parse(process.env.UPSTREAMS);
const agent = new (await import("node:http")).Agent({ keepAlive: true, maxSockets: 64 });

function forward(url, body, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { "content-type": "application/json",
      "content-length": body.length, ...(headers.authorization ? { authorization: headers.authorization } : {}) } },
      (res) => { const chunks = []; res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) })); });
    req.on("error", reject);
    req.end(body);
  });
}

const out = {};
await Promise.all(Object.entries(upstreams).map(([name, url]) => new Promise((listening) => {
  const memo = new Map();
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const key = body.toString("latin1");
    let hit = memo.get(key);
    if (!hit) {
      hit = await forward(url, body, req.headers);
      if (hit.status === 200 && memo.size < 20000) memo.set(key, hit);
    }
    res.writeHead(hit.status, { "content-type": "application/json", "content-length": hit.body.length });
    res.end(hit.body);
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, "127.0.0.1", () => { out[name] = `http://127.0.0.1:${server.address().port}/graphql`; listening(); });
})));
process.stdout.write(JSON.stringify(out) + "\n");
