// bench/webhook_deliveries.mjs: how many webhook deliveries per second hiltd's worker sends to a loopback
// sink, and what they cost the public payload GET (issue 6, "Measured"). A measurement, not a test: it
// asserts nothing, it prints figures (scripts/bench's part g).
// Owns: one sink (bench/webhook_sink.cpp, a native process that answers 200 and counts), one hiltd (sandbox chain,
// --webhook-urls loopback, --public-rate-limit 0, a fresh SQLite file in a temp folder, removed at the end).
// Must never: reach anything but loopback.
//
// What it does:
//  1. setup: a merchant, a product, --endpoints endpoints (each its own path on the sink) subscribed to
//     payment.confirmed and receipt.created, and --payments paid checkouts (web3.js-signed transactions):
//     2 x payments events, each delivered to every endpoint.
//  2. throughput, --rounds times: POST /v1/events/{id}/redeliver for every event at once (a new delivery to
//     every endpoint, due now), timed from the first redelivery call to the sink's last expected arrival:
//     deliveries per second (the issue's target: >= 200/s). Each delivery is a fresh signed POST (v1 + v1a),
//     its attempt logged and the outbox row moved on, durably.
//  3. the public GET while deliveries run, two ways, for --rounds rounds, each round's runs in a new order:
//     - paced (the target): bench/paced_get.cpp GETs the payload at a fixed --get-rate per second, below
//       saturation, as buyers arrive: once quiet, once while a driver (paced_get too) sends an authenticated
//       GET /v1/events/{id}/deliveries every endpoints/rate seconds (the control: the driver's own requests,
//       answered with the same delivery log a redelivery answers with) and once while it sends
//       POST /v1/events/{id}/redeliver at the same pace instead (deliveries at --rate per second, 200 by
//       default: the issue's target throughput). The ratio that matters is busy over control (target
//       <= 1.10): only the redelivery and its deliveries differ. The control runs twice a round
//       (control_again): the target is read from every round's latencies pooled, busy over both controls,
//       with a 90% interval (public_get.pooled); the second control over the first, two runs that differ
//       in nothing, is the noise floor it is read against. Medians of each round's p99 (ratio_p99, busy
//       over the first control) and busy over quiet are printed beside them.
//     - saturated: wrk (2 threads, --connections) idle and while delivering: requests per second lost to
//       deliveries, and the p99 of a saturated server, where any other work waits for a core.
//     The sink is its own process: on 2 shared cores it takes CPU that hiltd and the load would otherwise
//     have, so every ratio is an upper bound of hiltd's cost.
// Usage: node bench/webhook_deliveries.mjs --hiltd PATH [--paced PATH] [--endpoints 8] [--payments 25]
//          [--sink PATH] [--rounds 4] [--seconds 5] [--connections 8] [--rate 200] [--get-rate 4000]
//          [--kinds quiet,control,busy,control_again,saturated_idle,saturated_busy]
//        (--paced and --sink default to the bench/ binaries of the build hiltd is in)
// Prints progress on stderr and one JSON line on stdout:
//   {"bench":"webhook_deliveries", "endpoints", "events", "deliveries_per_round",
//    "throughput": {rounds, deliveries, seconds, per_second, per_round: [...], hiltd_cpu_ms_per_delivery (the
//                   redelivery calls included), sink_cpu_ms_per_delivery (the receivers' share, which a
//                   real deployment does not pay on hiltd's machine), get_cpu_ms_per_request (hiltd's, for one
//                   payload GET)},
//    "public_get": {rate, quiet: {p50_ms, p99_ms, hiltd_cpu_ms_per_second}, control: {...},
//                   busy: {..., deliveries_per_second, sink_cpu_ms_per_second},
//                   ratio_p99 (busy / control), ratio_p99_quiet (busy / quiet), ratio_p99_per_round,
//                   control_again: {p50_ms, p99_ms}, ratio_p99_same (control_again / control),
//                   ratio_p99_same_per_round,
//                   pooled: {p99_ms: {quiet, control, busy, control_again} (every round's latencies in one
//                            distribution), busy_over_controls (over control and control_again pooled):
//                            {ratio, interval_90: [low, high]},
//                            control_again_over_control: {ratio, interval_90}},
//                   saturated: {idle: {p99_ms, rps}, busy: {p99_ms, rps, deliveries_per_second},
//                               ratio_p99, ratio_rps}}}
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
const getRate = Number(args['get-rate'] ?? 4000);
// Which runs of step 3 to make (all by default): --kinds quiet,control,busy measures the paced target alone.
const kindsWanted = (args.kinds ?? 'quiet,control,busy,control_again,saturated_idle,saturated_busy').split(',');
const pacedPath = args.paced ?? join(dirname(hiltdPath), '../bench/hilt_bench_paced_get');
const sinkPath = args.sink ?? join(dirname(hiltdPath), '../bench/hilt_bench_webhook_sink');
const log = (...m) => console.error('webhook_deliveries:', ...m);

// Latency histograms: buckets 0.5% wide from 1 us, so that rounds can be pooled and resampled cheaply.
const kBucketWidth = Math.log(1.005);
const kBuckets = Math.ceil(Math.log(1e8) / kBucketWidth);  // up to 100 s
const histogramOf = (text) => {
  const h = new Float64Array(kBuckets);
  for (const line of text.split('\n')) {
    if (line) h[Math.min(kBuckets - 1, Math.floor(Math.log(Math.max(1, Number(line))) / kBucketWidth))]++;
  }
  return h;
};
// xorshift32: numbers in [0, 1), the same from the same seed.
const seededRandom = (seed) => () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
// The q quantile of a histogram, in ms (its bucket's middle).
const quantileOf = (h, q) => {
  const total = h.reduce((a, b) => a + b, 0);
  for (let b = 0, seen = 0; b < kBuckets; b++) {
    seen += h[b];
    if (seen > q * total) return Math.exp((b + 0.5) * kBucketWidth) / 1000;
  }
  return NaN;
};

// ---- the sink: the merchants' servers, a native process of its own (bench/webhook_sink.cpp) ------------
const sinkChild = spawn(sinkPath, [], { stdio: ['ignore', 'pipe', 'inherit'] });
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
const cpuMs = (pid = hiltd.pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
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
  const sinkCpuBefore = cpuMs(sinkChild.pid);
  for (let r = 0; r < rounds; r++) {
    const s = await redeliverAll();
    totalSeconds += s;
    perRoundRates.push(Math.round(perRound / s));
    log(`round ${r + 1}: ${perRound} deliveries in ${s.toFixed(2)} s`);
  }

  const cpuPerDelivery = (cpuMs() - cpuBefore) / (perRound * rounds);
  const sinkCpuPerDelivery = (cpuMs(sinkChild.pid) - sinkCpuBefore) / (perRound * rounds);

  // The public GET, quiet, beside the driver's control requests, and while delivering.
  const payloadUrl = `${base}/v1/products/p/${product.slug}`;
  const run = (command, argv) => new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text.trim().split('\n').at(-1)))
                                           : reject(new Error(`${command} ${code}`))));
  });
  const wrk = () => run('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s',
                                'bench/wrk_report.lua', payloadUrl]);
  // Each paced run also writes its latencies, read back into a histogram for pooling (below).
  let runs = 0;
  const paced = async () => {
    const file = join(dir, `latencies-${runs++}.txt`);
    const result = await run(pacedPath, ['--url', payloadUrl, '--rate', String(getRate), '--seconds', String(seconds),
                                         '--latencies', file]);
    const histogram = histogramOf(readFileSync(file, 'utf8'));
    rmSync(file);
    return { ...result, histogram };
  };
  // The driver: bench/paced_get.cpp again (a native process, light next to a node one), one request every
  // endpoints/rate seconds, the events in turn: a redelivery (an event to every endpoint: deliveries at
  // --rate per second), or, for the control, a read of the same event's delivery log.
  const pathsFile = (suffix) => {
    const file = join(dir, `paths-${suffix}.txt`);
    writeFileSync(file, events.map((e) => `/v1/events/${e.id}/${suffix}`).join('\n'));
    return file;
  };
  const drivers = { redeliver: pathsFile('redeliver'), deliveries: pathsFile('deliveries') };
  // A run with hiltd's and the sink's CPU per second over it (and its length, for the driven runs' rates).
  const withCpuRate = async (measure) => {
    const hiltdBefore = cpuMs();
    const sinkBefore = cpuMs(sinkChild.pid);
    const started = process.hrtime.bigint();
    const result = await measure();
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    return { ...result, elapsed_seconds: elapsed, hiltd_cpu_ms_per_second: (cpuMs() - hiltdBefore) / elapsed,
             sink_cpu_ms_per_second: (cpuMs(sinkChild.pid) - sinkBefore) / elapsed };
  };
  const driven = async (measure, redeliver) => {
    const before = await received();
    const driver = run(pacedPath, ['--url', base, '--paths', redeliver ? drivers.redeliver : drivers.deliveries,
                                   '--method', redeliver ? 'POST' : 'GET', ...(redeliver ? ['--body', '{}'] : []),
                                   '--header', `x-hilt-key: ${merchant['x-hilt-key']}`, '--connections', '1',
                                   '--rate', String(rate / endpoints), '--seconds', String(seconds)]);
    const result = await withCpuRate(async () => {
      const [measured, driverResult] = await Promise.all([measure(), driver]);
      if (driverResult.errors > 0) throw new Error(`driver: ${JSON.stringify(driverResult)}`);
      return measured;
    });
    return { ...result, deliveries_per_second: ((await received()) - before) / result.elapsed_seconds };
  };
  const withCpu = async (measure) => {
    const before = cpuMs();
    const result = await measure();
    return { ...result, cpu_ms_per_request: (cpuMs() - before) / result.requests };
  };
  const kinds = {
    quiet: () => withCpuRate(paced),
    control: () => driven(paced, false),
    control_again: () => driven(paced, false),
    busy: () => driven(paced, true),
    saturated_idle: () => withCpu(wrk),
    saturated_busy: () => driven(wrk, true),
  };
  const order = Object.keys(kinds).filter((k) => kindsWanted.includes(k));
  const results = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  // Each round's runs in a new order (a seeded shuffle): rotating one fixed order kept the same neighbours
  // (the control always ran after the quiet run, the busy one after the control), and a run's tail
  // depends on what ran before it.
  const shuffled = seededRandom(7);
  for (let r = 0; r < rounds; r++) {
    const roundOrder = [...order];
    for (let i = roundOrder.length - 1; i > 0; i--) {
      const j = Math.floor(shuffled() * (i + 1));
      [roundOrder[i], roundOrder[j]] = [roundOrder[j], roundOrder[i]];
    }
    for (const kind of roundOrder) results[kind].push(await kinds[kind]());
    log(`get round ${r + 1}: p99 ${order.map((k) => `${k} ${results[k].at(-1).p99_ms} ms`).join(', ')}`);
  }
  // Pooled: each kind's latencies of every round in one distribution, and the ratio of two pools' p99s with
  // a 90% interval from resampling whole rounds (2,000 times, a round's runs staying together): the median of
  // per-round p99s below keeps one run's tail, the pool keeps every sample, and the interval says how far
  // this machine's noise lets the ratio be trusted. Busy over both control runs (the target), and
  // control_again over control, whose true value is 1.
  const pooledOf = (names, picks) => {
    const sum = new Float64Array(kBuckets);
    for (const kind of names) {
      for (const i of picks) {
        const h = results[kind][i].histogram;
        for (let b = 0; b < kBuckets; b++) sum[b] += h[b];
      }
    }
    return sum;
  };
  const pooledRatio = (over, under) => {
    const n = Math.min(...[...over, ...under].map((k) => results[k].length));
    if (n === 0) return null;
    const ratio = (picks) => quantileOf(pooledOf(over, picks), 0.99) / quantileOf(pooledOf(under, picks), 0.99);
    const all = [...Array(n).keys()];
    const random = seededRandom(12345);  // the same runs give the same interval
    const resampled = Array.from({ length: 2000 }, () => ratio(all.map(() => Math.floor(random() * n))))
      .sort((a, b) => a - b);
    return { ratio: +ratio(all).toFixed(3), interval_90: [+resampled[100].toFixed(3), +resampled[1899].toFixed(3)] };
  };
  const pooledP99 = (kind) =>
    (results[kind].length ? +quantileOf(pooledOf([kind], results[kind].map((_, i) => i)), 0.99).toFixed(3) : null);
  const pooled = {
    p99_ms: Object.fromEntries(['quiet', 'control', 'busy', 'control_again'].map((k) => [k, pooledP99(k)])),
    busy_over_controls: pooledRatio(['busy'], ['control', 'control_again']),
    control_again_over_control: pooledRatio(['control_again'], ['control']),
  };
  // A kind left out by --kinds has no runs: its figures are null.
  const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
  const summary = (kind, ...fields) =>
    Object.fromEntries(fields.map((f) => [f, +median(results[kind].map((x) => x[f])).toFixed(3)]));
  const quiet = summary('quiet', 'p50_ms', 'p99_ms', 'hiltd_cpu_ms_per_second');
  const control = summary('control', 'p50_ms', 'p99_ms', 'hiltd_cpu_ms_per_second');
  const controlAgain = summary('control_again', 'p50_ms', 'p99_ms');
  const busy = { ...summary('busy', 'p50_ms', 'p99_ms', 'hiltd_cpu_ms_per_second', 'sink_cpu_ms_per_second'),
                 deliveries_per_second: Math.round(median(results.busy.map((x) => x.deliveries_per_second))) };
  const idle = summary('saturated_idle', 'p99_ms', 'rps');
  const saturatedBusy = { ...summary('saturated_busy', 'p99_ms', 'rps'),
                          deliveries_per_second: Math.round(median(results.saturated_busy.map((x) => x.deliveries_per_second))) };
  console.log(JSON.stringify({
    bench: 'webhook_deliveries', endpoints, events: events.length, deliveries_per_round: perRound,
    throughput: { rounds, deliveries: perRound * rounds, seconds: +totalSeconds.toFixed(3),
                  per_second: Math.round((perRound * rounds) / totalSeconds), per_round: perRoundRates,
                  hiltd_cpu_ms_per_delivery: +cpuPerDelivery.toFixed(4),
                  sink_cpu_ms_per_delivery: +sinkCpuPerDelivery.toFixed(4),
                  get_cpu_ms_per_request: +median(results.saturated_idle.map((x) => x.cpu_ms_per_request)).toFixed(4) },
    public_get: {
      rate: getRate, quiet, control, busy,
      ratio_p99: +(busy.p99_ms / control.p99_ms).toFixed(3),
      ratio_p99_quiet: +(busy.p99_ms / quiet.p99_ms).toFixed(3),
      // Each round's busy over the same round's control: how much the ratio itself varies from run to run.
      ratio_p99_per_round: results.busy.map((b, i) => +(b.p99_ms / results.control[i]?.p99_ms).toFixed(3)),
      // The same ratio between two runs that differ in nothing (the control, run twice a round): its true
      // value is 1, so its spread is what this machine lets the bench resolve.
      control_again: controlAgain,
      ratio_p99_same: +(controlAgain.p99_ms / control.p99_ms).toFixed(3),
      ratio_p99_same_per_round: results.control_again.map((c, i) => +(c.p99_ms / results.control[i]?.p99_ms).toFixed(3)),
      pooled,
      saturated: { idle, busy: saturatedBusy, ratio_p99: +(saturatedBusy.p99_ms / idle.p99_ms).toFixed(3),
                   ratio_rps: +(saturatedBusy.rps / idle.rps).toFixed(3) },
    },
  }));
  finish(0);
} catch (error) {
  console.error(error, output);
  finish(1);
}
