// bench/webhook_deliveries.mjs: how many webhook deliveries per second hiltd's worker sends to a loopback
// sink, and what they cost the public payload GET (issue 6, "Measured"). A measurement, not a test: it
// asserts nothing, it prints figures (scripts/bench's part g).
// Owns: one sink (a node HTTP server in a child process that answers 200 and counts), one hiltd (sandbox chain,
// --webhook-urls loopback, --public-rate-limit 0, a fresh SQLite file in a temp folder, removed at the end).
// Must never: reach anything but loopback.
//
// What it does:
//  1. setup: a merchant, a product, --endpoints endpoints (each its own path on the sink) subscribed to
//     payment.confirmed and receipt.created, and --payments paid checkouts (web3.js-signed transactions):
//     2 x payments events, each delivered to every endpoint.
//  2. throughput, --rounds times: POST /v1/events/{id}/redeliver for every event at once (a new delivery to
//     every endpoint, due now), timed from the first redelivery call to the sink's last expected arrival:
//     deliveries per second (the target: >= 200/s). Each delivery is a fresh signed POST (v1 + v1a),
//     its attempt logged and the outbox row moved on, durably.
//  3. the public GET while deliveries run: wrk (2 threads, --connections, --seconds) on the payload URL, once
//     with the worker idle and once while deliveries go out at --rate per second (200, the target
//     throughput; paced redeliveries), alternating which goes first, for --rounds rounds; median p99 of the busy
//     runs over the idle ones (target <= 1.10). The sink is its own process; on 2 shared cores it and this
//     driver take CPU that wrk and hiltd would otherwise have, so the ratio is an upper bound of hiltd's cost.
// Usage: node bench/webhook_deliveries.mjs --hiltd PATH [--endpoints 8] [--payments 25] [--rounds 4]
//          [--seconds 5] [--connections 8] [--rate 200]
// Prints progress on stderr and one JSON line on stdout:
//   {"bench":"webhook_deliveries", "endpoints", "events", "deliveries_per_round",
//    "throughput": {rounds, deliveries, seconds, per_second, per_round: [...], hiltd_cpu_ms_per_delivery (the
//                   redelivery calls included), get_cpu_ms_per_request (hiltd's, for one payload GET)},
//    "public_get": {idle: {p99_ms, rps}, busy: {p99_ms, rps, deliveries_per_second}, ratio_p99}}
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import web3 from '@solana/web3.js';

const { Keypair, Transaction } = web3;
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
  if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
  return pairs;
}, []));
const hiltdPath = args.hiltd ?? process.env.HILT_HILTD ?? 'build/release/server/hiltd';
const endpoints = Number(args.endpoints ?? 8);
const payments = Number(args.payments ?? 25);
const rounds = Number(args.rounds ?? 4);
const seconds = Number(args.seconds ?? 5);
const connections = Number(args.connections ?? 8);
const rate = Number(args.rate ?? 200);
const log = (...m) => console.error('webhook_deliveries:', ...m);

// ---- the sink: the merchants' servers, in a process of its own -----------------------------------------
if (process.argv.includes('--sink')) {
  let received = 0;
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ received }));
      }
      received += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  sink.listen(0, '127.0.0.1', () => console.log(`sink ${sink.address().port}`));
  process.on('SIGTERM', () => process.exit(0));
} else {
  await main();
}

async function main() {
const sinkChild = spawn(process.execPath, [fileURLToPath(import.meta.url), '--sink'],
                        { stdio: ['ignore', 'pipe', 'inherit'] });
const sinkBase = await new Promise((resolve) => {
  let out = '';
  sinkChild.stdout.on('data', (d) => {
    out += d;
    const found = /sink (\d+)/.exec(out);
    if (found) resolve(`http://127.0.0.1:${found[1]}`);
  });
});
const received = async () => (await (await fetch(`${sinkBase}/count`)).json()).received;
const arrivals = async (count) => {
  while ((await received()) < count) await new Promise((r) => setTimeout(r, 10));
};

// ---- hiltd ------------------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'hilt-bench-webhooks-'));
const db = join(dir, 'hilt.sqlite');
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const base = `http://127.0.0.1:${port}`;
let output = '';
const hiltd = spawn(hiltdPath, ['serve', '--db', db, '--host', '127.0.0.1', '--port', String(port),
                                '--webhook-urls', 'loopback', '--public-rate-limit', '0'],
                    { stdio: ['ignore', 'pipe', 'pipe'] });
hiltd.stdout.on('data', (d) => (output += d));
hiltd.stderr.on('data', (d) => (output += d));
const finish = (code) => {
  hiltd.kill('SIGTERM');
  sinkChild.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
};
for (let ready = false, deadline = Date.now() + 30_000; !ready;) {
  if (hiltd.exitCode !== null || Date.now() > deadline) {
    console.error(output);
    finish(1);
  }
  ready = await fetch(`${base}/v1/health`).then((r) => r.ok, () => false);
  if (!ready) await new Promise((r) => setTimeout(r, 50));
}
// hiltd's CPU time so far (user + system, ms): a cost per delivery that the machine's noise does not change
// the way it changes latencies.
const cpuMs = () => {
  const fields = readFileSync(`/proc/${hiltd.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;  // utime, stime in USER_HZ (100)
};
const api = async (method, path, body, headers = {}) => {
  const res = await fetch(base + path, {
    method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
};

try {
  const out = execFileSync(hiltdPath, ['merchant', 'create', '--name', 'Bench Hooks', '--db', db], { encoding: 'utf8' });
  const merchant = { 'x-hilt-key': /api_key: (hk_\S+)/.exec(out)[1] };
  for (let i = 0; i < endpoints; i++) {
    await api('POST', '/v1/webhook-endpoints',
              { url: `${sinkBase}/hooks/${i}`, events: ['payment.confirmed', 'receipt.created'] }, merchant);
  }
  const product = await api('POST', '/v1/products', {
    product_type: 'PAYMENT_LINK', title: 'Bench hooks pass', amount_minor_units: 1_000_000,
    merchant_wallet: Keypair.generate().publicKey.toBase58(), delivery_type: 'NONE',
  }, merchant);
  log(`setup: ${payments} payments to ${endpoints} endpoints`);
  for (let i = 0; i < payments; i++) {
    const buyer = Keypair.generate();
    for (const [asset, amount] of [['SOL', 100_000_000], ['USDC', 1_000_000]]) {
      await api('POST', '/v1/sandbox/airdrop', { wallet: buyer.publicKey.toBase58(), asset, amount_minor_units: amount });
    }
    const session = await api('POST', `/v1/products/p/${product.slug}/connect`, {});
    const built = await api('POST', `/v1/payments/${session.payment_id}/transaction`,
                            { buyer_wallet: buyer.publicKey.toBase58() });
    const tx = Transaction.from(Buffer.from(built.transaction, 'base64'));
    tx.partialSign(buyer);
    await api('POST', `/v1/payments/${session.payment_id}/broadcast`,
              { signed_transaction: tx.serialize().toString('base64') });
    for (;;) {
      const status = await api('GET', `/v1/payments/${session.payment_id}`);
      if (status.status === 'CONFIRMED') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const events = (await api('GET', '/v1/events?limit=100', undefined, merchant)).data;
  const perRound = events.length * endpoints;
  await arrivals(perRound);  // the first deliveries of every event
  log(`${events.length} events, ${perRound} deliveries per round`);

  const redeliverAll = async () => {
    const target = (await received()) + perRound;
    const started = process.hrtime.bigint();
    await Promise.all(events.map((e) => api('POST', `/v1/events/${e.id}/redeliver`, {}, merchant)));
    await arrivals(target);
    return Number(process.hrtime.bigint() - started) / 1e9;
  };

  // Throughput.
  const perRoundRates = [];
  let totalSeconds = 0;
  const cpuBefore = cpuMs();
  for (let r = 0; r < rounds; r++) {
    const s = await redeliverAll();
    totalSeconds += s;
    perRoundRates.push(Math.round(perRound / s));
    log(`round ${r + 1}: ${perRound} deliveries in ${s.toFixed(2)} s`);
  }

  const cpuPerDelivery = (cpuMs() - cpuBefore) / (perRound * rounds);

  // The public GET, idle and busy, interleaved.
  const payloadUrl = `${base}/v1/products/p/${product.slug}`;
  const wrk = () => new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s',
                                'bench/wrk_report.lua', payloadUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text.trim().split('\n').at(-1))) : reject(new Error(`wrk ${code}`))));
  });
  // Deliveries at --rate per second: one event redelivered (to every endpoint) every endpoints/rate seconds.
  const busy = async () => {
    let running = true;
    const before = await received();
    const started = process.hrtime.bigint();
    const load = (async () => {
      const interval = (1000 * endpoints) / rate;
      let next = Date.now();
      for (let i = 0; running; i++) {
        await api('POST', `/v1/events/${events[i % events.length].id}/redeliver`, {}, merchant);
        next += interval;
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
    })();
    const result = await wrk();
    running = false;
    await load;
    const busySeconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { ...result, deliveries_per_second: ((await received()) - before) / busySeconds };
  };
  const idleRuns = [];
  const busyRuns = [];
  const idleCpu = async () => {
    const before = cpuMs();
    const result = await wrk();
    return { ...result, cpu_ms_per_request: (cpuMs() - before) / result.requests };
  };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      idleRuns.push(await idleCpu());
      busyRuns.push(await busy());
    } else {
      busyRuns.push(await busy());
      idleRuns.push(await idleCpu());
    }
    log(`get round ${r + 1}: idle p99 ${idleRuns.at(-1).p99_ms} ms, busy p99 ${busyRuns.at(-1).p99_ms} ms`);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const idleP99 = median(idleRuns.map((x) => x.p99_ms));
  const busyP99 = median(busyRuns.map((x) => x.p99_ms));
  console.log(JSON.stringify({
    bench: 'webhook_deliveries', endpoints, events: events.length, deliveries_per_round: perRound,
    throughput: { rounds, deliveries: perRound * rounds, seconds: +totalSeconds.toFixed(3),
                  per_second: Math.round((perRound * rounds) / totalSeconds), per_round: perRoundRates,
                  hiltd_cpu_ms_per_delivery: +cpuPerDelivery.toFixed(4),
                  get_cpu_ms_per_request: +median(idleRuns.map((x) => x.cpu_ms_per_request)).toFixed(4) },
    public_get: {
      idle: { p99_ms: idleP99, rps: Math.round(median(idleRuns.map((x) => x.rps))) },
      busy: { p99_ms: busyP99, rps: Math.round(median(busyRuns.map((x) => x.rps))),
              deliveries_per_second: Math.round(median(busyRuns.map((x) => x.deliveries_per_second))) },
      ratio_p99: +(busyP99 / idleP99).toFixed(3),
    },
  }));
  finish(0);
} catch (error) {
  console.error(error, output);
  finish(1);
}
}
