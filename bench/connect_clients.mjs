// bench/connect_clients.mjs: connect latency at a fixed offered rate, as scripts/bench's part (c2).
// Owns: N clients (64), each on its own keep-alive connection straight at hiltd, each starting a
// session (POST /v1/products/p/{slug}/connect) on a fixed schedule, and the latency of each.
// Must never: send a client's next connect before its last answer arrived (a late answer delays that
// client's schedule instead; the delay counts against the latency, see below), or share a connection.
//
// wrk's closed loop (part (c)) measures throughput at saturation, where p99 is only queueing: 64 clients
// over the rate. This part asks the latency question at a load below saturation: each client sends one
// connect every --interval ms. Latency is timed from the moment the request is written to the last byte of
// the answer; how late the client's own timers fired is reported apart (client_lag): this client is one
// node process on the same cores, and a starved client must not pass for a slow server. A server backlog
// still shows: a client's next connect waits for its last answer, which delays its schedule (lag) and
// lowers the achieved rate (rps against the offered clients x 1000/interval).
//
// Usage: node bench/connect_clients.mjs --url http://127.0.0.1:PORT/v1/products/p/SLUG/connect
//        [--clients 64] [--interval 100] [--seconds 10]
// Prints one JSON line: {requests, seconds, rps, p50_ms, p99_ms, max_ms, errors, client_lag_p99_ms}.
import http from 'node:http';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (i % 2 === 0 ? [...pairs, [arg.replace(/^--/, ''), all[i + 1]]] : pairs), []));
const url = new URL(args.url);
const CLIENTS = Number(args.clients ?? 64);
const INTERVAL_MS = Number(args.interval ?? 100);
const SECONDS = Number(args.seconds ?? 10);
const body = '{}';

const latencies = [];
const lags = [];
let errors = 0;

function connectOnce(agent) {
  return new Promise((resolve) => {
    const req = http.request(
      { hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode === 201));
      });
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

async function client(index, deadline) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // Spread the clients over one interval so they do not all fire on the same tick.
  let scheduled = performance.now() + (index * INTERVAL_MS) / CLIENTS;
  while (scheduled < deadline) {
    const wait = scheduled - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    lags.push(sent - scheduled);
    const ok = await connectOnce(agent);
    if (ok) latencies.push(performance.now() - sent);
    else errors += 1;
    scheduled += INTERVAL_MS;
  }
  agent.destroy();
}

const start = performance.now();
const deadline = start + SECONDS * 1000;
await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i, deadline)));
const seconds = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
lags.sort((a, b) => a - b);
const quantile = (list, q) => (list.length ? list[Math.min(list.length - 1, Math.floor(q * list.length))] : null);
const at = (q) => quantile(latencies, q);
const round = (v) => (v === null ? null : Math.round(v * 1000) / 1000);
console.log(JSON.stringify({
  requests: latencies.length, seconds, rps: latencies.length / seconds, clients: CLIENTS, interval_ms: INTERVAL_MS,
  p50_ms: round(at(0.5)), p99_ms: round(at(0.99)), max_ms: round(at(1)), errors: { failed: errors },
  client_lag_p99_ms: round(quantile(lags, 0.99)),
}));
