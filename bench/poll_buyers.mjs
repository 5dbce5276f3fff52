// bench/poll_buyers.mjs: many buyers waiting on their payments, as scripts/bench's part (d).
// Owns: creating one payment per buyer (connect, straight at hiltd) and then the waiting: every
// buyer keeps one keep-alive connection to nginx and reads GET /v1/payments/{id} once a second.
// Must never: share a connection between buyers, or send a buyer's next request before its last
// answer arrived (a buyer polls; it does not pipeline).
//
// Latency is timed from the moment a request is written (a new buyer's first request: from the
// moment it starts connecting) to the last byte of the answer. This client is one node process on
// the same two cores: how late its timers fired is reported too (client_lag), so a slow client is
// not mistaken for a slow server.
//
// Each buyer connects from its own loopback address (127.10.x.y; Linux routes all of 127/8 to lo),
// so nginx's X-Real-IP is a different address per buyer and hiltd's per-client rate limit (10/s,
// burst 40) applies to each as in production. Connects straight at hiltd carry the same address as
// X-Real-IP (hiltd trusts it from a loopback peer).
//
// Usage: node bench/poll_buyers.mjs --hiltd URL --nginx URL --slug SLUG --hiltd-pid PID
//        [--buyers 2000] [--seconds 30] [--ramp 10]
//        or, the baseline, the same buyers reading a static file nginx serves itself:
//        node bench/poll_buyers.mjs --nginx URL --static /assets/payload.json --hiltd-pid PID …
// Prints one JSON line with the figures; exits 1 only when it could not run at all.
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (i % 2 === 0 ? [...pairs, [arg.replace(/^--/, ''), all[i + 1]]] : pairs), []));
const BUYERS = Number(args.buyers ?? 2000);
const SECONDS = Number(args.seconds ?? 30);
const RAMP_SECONDS = Number(args.ramp ?? 10);
const POLL_MS = 1000;
// A response later than this counts as an error (the checkout would show "still waiting").
const RESPONSE_TIMEOUT_MS = 5000;
// Connects in flight while creating the payments (each is one durable commit in hiltd).
const SETUP_CONCURRENCY = 16;
const nginxUrl = new URL(args.nginx);
const hiltdBase = args.hiltd;

function buyerAddress(i) {
  return `127.10.${Math.floor(i / 250)}.${1 + (i % 250)}`;
}

function vmKb(pid, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : null;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(samples) {
  const sorted = Float64Array.from(samples).sort();
  const round = (v) => (v === null ? null : Math.round(v * 1000) / 1000);
  return {
    count: sorted.length,
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

// ---- setup: one payment per buyer ---------------------------------------------------------------
async function createPayments() {
  const ids = new Array(BUYERS);
  let next = 0;
  const worker = async () => {
    while (next < BUYERS) {
      const i = next++;
      const res = await fetch(`${hiltdBase}/v1/products/p/${args.slug}/connect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-real-ip': buyerAddress(i) },
        body: '{}',
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`connect for buyer ${i}: ${res.status} ${text}`);
      ids[i] = JSON.parse(text).payment_id;
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
  return ids;
}

// ---- one buyer ------------------------------------------------------------------------------------
const stats = { first: [], steady: [], lag: [], errors: {}, requests: 0 };
function countError(kind) {
  stats.errors[kind] = (stats.errors[kind] ?? 0) + 1;
}

function runBuyer(i, path, endAt) {
  return new Promise((resolve) => {
    const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${nginxUrl.host}\r\n` +
                                'User-Agent: hilt-bench\r\nAccept: application/json\r\n\r\n');
    let socket = null;
    let buffer = Buffer.alloc(0);
    let sentAt = 0; // when the request in flight was written (null: none in flight)
    let dueAt = 0; // when the next request is due (a second after the last one)
    let firstOfConnection = true;
    let connectStartedAt = 0;
    let timer = null;
    let finished = false;

    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve();
    };
    const open = () => {
      connectStartedAt = performance.now();
      firstOfConnection = true;
      buffer = Buffer.alloc(0);
      socket = connect({ host: nginxUrl.hostname, port: Number(nginxUrl.port), localAddress: buyerAddress(i) });
      socket.setNoDelay(true);
      socket.on('connect', () => send(connectStartedAt, connectStartedAt));
      socket.on('data', onData);
      socket.on('error', (e) => countError(`socket_${e.code ?? 'error'}`));
      socket.on('close', () => {
        if (finished) return;
        if (sentAt !== null) countError('closed_before_response');
        if (performance.now() >= endAt) return finish();
        open(); // a buyer whose connection died reconnects, as the checkout would
      });
    };
    const send = (due, from = performance.now()) => {
      dueAt = due;
      sentAt = from;
      if (!firstOfConnection) stats.lag.push(from - due);
      stats.requests += 1;
      socket.write(request);
      clearTimeout(timer);
      timer = setTimeout(() => {
        countError('timeout');
        sentAt = null;
        socket.destroy();
      }, RESPONSE_TIMEOUT_MS);
    };
    const onData = (chunk) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      const headerEnd = buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const head = buffer.subarray(0, headerEnd).toString('latin1');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!length) {
        countError('no_content_length');
        sentAt = null;
        return socket.destroy();
      }
      const total = headerEnd + 4 + Number(length[1]);
      if (buffer.length < total) return;
      const now = performance.now();
      const status = Number(head.slice(9, 12));
      buffer = buffer.subarray(total);
      clearTimeout(timer);
      if (status !== 200) countError(`status_${status}`);
      (firstOfConnection ? stats.first : stats.steady).push(now - sentAt);
      sentAt = null;
      firstOfConnection = false;
      const nextDue = Math.max(dueAt + POLL_MS, now);
      if (nextDue >= endAt) return finish();
      timer = setTimeout(() => send(nextDue), Math.max(0, nextDue - performance.now()));
    };
    open();
  });
}

// ---- main -----------------------------------------------------------------------------------------
const setupStart = performance.now();
const paths = args.static ? new Array(BUYERS).fill(args.static)
                          : (await createPayments()).map((id) => `/v1/payments/${id}`);
const setupSeconds = (performance.now() - setupStart) / 1000;

const pid = Number(args['hiltd-pid']);
const rssSamples = [];
const sampler = setInterval(() => rssSamples.push(vmKb(pid, 'VmRSS')), 1000);
const start = performance.now();
const endAt = start + SECONDS * 1000;
const buyers = [];
for (let i = 0; i < BUYERS; ++i) {
  const startAt = start + (RAMP_SECONDS * 1000 * i) / BUYERS;
  buyers.push(new Promise((resolve) => setTimeout(() => runBuyer(i, paths[i], endAt).then(resolve),
                                                  Math.max(0, startAt - performance.now()))));
}
await Promise.all(buyers);
clearInterval(sampler);
const rssKb = vmKb(pid, 'VmRSS');
const hwmKb = vmKb(pid, 'VmHWM');
const elapsed = (performance.now() - start) / 1000;
const errors = Object.values(stats.errors).reduce((a, b) => a + b, 0);
console.log(JSON.stringify({
  buyers: BUYERS,
  seconds: Math.round(elapsed * 10) / 10,
  setup_seconds: Math.round(setupSeconds * 10) / 10,
  requests: stats.requests,
  rps: Math.round(stats.requests / elapsed),
  steady: summary(stats.steady),
  first: summary(stats.first),
  client_lag: summary(stats.lag),
  errors,
  error_kinds: stats.errors,
  hiltd_rss_kb: rssKb,
  hiltd_rss_max_sampled_kb: Math.max(rssKb ?? 0, ...rssSamples.filter(Boolean)),
  hiltd_hwm_kb: hwmKb,
}));
