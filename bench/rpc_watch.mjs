// bench/rpc_watch.mjs: what hiltd's confirmation watcher costs a Solana RPC node while many payments wait, and
// how soon after a broadcast a buyer sees CONFIRMED (issue 4, "Measured"). A measurement, not a test: it
// asserts nothing, it prints figures (scripts/bench's part for the RPC backend).
// Owns: one LiteSVM JSON-RPC adapter in this process (tests/support/litesvm_rpc.mjs, slots every --slot-ms),
// one hiltd (--chain rpc, a fresh SQLite file in a temp folder, removed at the end), and the sessions it opens.
// Must never: reach anything but loopback, or count its own admin reads as hiltd's traffic (it reads the
// adapter's counters in-process, not over HTTP).
//
// What it does:
//  1. setup (hiltd with --rpc-rate-limit 1000, so that setting up is not the measurement): a merchant,
//     --destinations products each paying a different merchant wallet, --sessions checkout sessions (connect);
//     the first --sent of them get a funded buyer, a transaction built by hiltd, signed with web3.js and
//     broadcast while the adapter drops every send (dropNextSend): accepted by hiltd, never seen on chain.
//  2. hiltd is restarted (SIGTERM, same database) with the measured --rpc-rate-limit (default 8, the default
//     cap for a public endpoint). Its watcher now has --sessions open sessions, --sent of them with a sent
//     transaction to follow.
//  3. "unseen" (--unseen-window s): the sends are still dropped, so the watcher re-sends each unseen
//     transaction (every 2 s at most, until its blockhash expires). Requests counted over the window.
//  4. "steady" (--window s, default 30): drops stop; the re-sent transactions land but the adapter holds them
//     below `confirmed` (confirmDelaySlots) for the whole window, so all --sessions payments keep waiting,
//     --sent of them landed and followed by batched signature statuses. Once all have landed, the adapter's
//     counters are reset and requests are counted over the window: requests per pending payment per second
//     (the target: <= 0.01), the busiest 1-second window (counters sampled every 100 ms) against
//     the cap, and the methods.
//  5. "confirm latency": the delay is lifted (the --sent payments confirm), then --payments of the open
//     sessions are paid one after the other: each is timed from the broadcast's answer to the first
//     GET /v1/payments/{id} (polled every 50 ms) that reads CONFIRMED, and given as a ratio to the adapter's
//     own confirmation delay (confirmSlots x slotMs = 1 x 400 ms by default). hiltd confirms from its watcher,
//     which follows a just-broadcast payment every 2 s / rate cap (250 ms at 8/s) between its 1 s ticks; buyer
//     polls read the store only, so the ratio is about 1 + (quick follow interval / 2 + poll lag) / delay.
// The adapter counts JSON-RPC calls (a batch of n counts n); hiltd sends single calls below 257 pending
// signatures, so here calls = HTTP requests. hiltd's cap is a generic cell rate algorithm that lets up to
// `cap` requests go at once, so a busy second (peak_1s) can hold up to 2 x cap - 1 while the average over
// a window stays at the cap.
//
// Usage: HILT_HILTD=build/release/server/hiltd node bench/rpc_watch.mjs [--hiltd PATH] [--sessions 500]
//          [--sent 50] [--destinations 1] [--window 30] [--unseen-window 10] [--payments 20] [--slot-ms 400]
//          [--rate-limit 8]
// Prints progress on stderr and one JSON line on stdout:
//   {"bench":"rpc_watch", "rate_cap":8, "slot_ms":400, "sessions":500, "sent":50, "destinations":1,
//    "unseen": {seconds, pending, requests, requests_per_second, per_pending_per_second, peak_1s, methods},
//    "steady": {seconds, pending, landed, requests, requests_per_second, per_pending_per_second, target: 0.01,
//               peak_1s, cap, methods},
//    "confirm_latency": {payments, adapter_delay_ms, mean_ms, p50_ms, p90_ms, max_ms, ratio_p50, ratio_p90,
//                        ratio_max}}
// Exits 1 (with hiltd's output on stderr) when it cannot run at all. About 1.5 minutes with the defaults.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import web3 from '@solana/web3.js';
import bs58 from 'bs58';
import { startLitesvmRpc } from '../tests/support/litesvm_rpc.mjs';
import { freePort, jsonClient } from '../tests/e2e/hiltd.mjs';
import { benchArgs } from './args.mjs';

const { Keypair, Transaction } = web3;

const { args, num } = benchArgs('rpc_watch');
const HILTD = args.hiltd ?? process.env.HILT_HILTD ?? 'build/release/server/hiltd';
const SESSIONS = num('sessions', 500);
const SENT = Math.min(num('sent', 50), SESSIONS);
const DESTINATIONS = Math.max(1, num('destinations', 1));
const WINDOW_S = num('window', 30);
const UNSEEN_S = num('unseen-window', 10);
const PAYMENTS = Math.min(num('payments', 20), SESSIONS - SENT);
const SLOT_MS = Math.max(1, num('slot-ms', 400));
const RATE = num('rate-limit', 8);
const SETUP_RATE = 1000;
const CONFIRM_SLOTS = 1; // the adapter's default
const PRICE = 12_500_000;
const SETUP_CONCURRENCY = 16;
const POLL_MS = 50;

const log = (message) => process.stderr.write(`rpc_watch: ${message}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (v, digits = 4) => (v === null || v === undefined ? null : Number(v.toFixed(digits)));

async function waitUntil(probe, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// hiltd on a fixed port and database; `rate` is its --rpc-rate-limit. Readiness by polling /v1/health.
function hiltdProcess(rpcUrl, db, port) {
  let child = null;
  let output = '';
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    output: () => output,
    async start(rate) {
      child = spawn(HILTD, ['serve', '--db', db, '--host', '127.0.0.1', '--port', String(port), '--chain', 'rpc',
                            '--rpc-url', rpcUrl, '--rpc-rate-limit', String(rate), '--public-rate-limit', '0'],
                    { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error('hiltd exited early');
        try {
          if ((await fetch(`${base}/v1/health`)).status === 200) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error('hiltd did not become ready');
        await sleep(25);
      }
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// Runs `fn` over `items` with at most `limit` in flight.
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  }));
  return results;
}

// Samples the adapter's call counter every 100 ms (in-process: not a request) while `seconds` pass.
async function countOver(rpc, seconds) {
  rpc.resetStats();
  const samples = [{ t: performance.now(), total: 0 }];
  const end = samples[0].t + seconds * 1000;
  while (performance.now() < end) {
    await sleep(100);
    samples.push({ t: performance.now(), total: rpc.stats().sinceReset.total });
  }
  const stats = rpc.stats().sinceReset;
  // The busiest window of at most one second between two samples.
  let peak = 0;
  let i = 0;
  for (let j = 1; j < samples.length; j++) {
    while (samples[j].t - samples[i].t > 1000.5) i++;
    peak = Math.max(peak, samples[j].total - samples[i].total);
  }
  const elapsed = (samples[samples.length - 1].t - samples[0].t) / 1000;
  return { elapsed, requests: stats.total, methods: stats.methods, peak };
}

function summarize(counted, pending) {
  return {
    seconds: round(counted.elapsed, 2),
    pending,
    requests: counted.requests,
    requests_per_second: round(counted.requests / counted.elapsed, 3),
    per_pending_per_second: round(counted.requests / counted.elapsed / pending, 5),
    peak_1s: counted.peak,
    methods: counted.methods,
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main() {
  const rpc = await startLitesvmRpc({ slotMs: SLOT_MS });
  const dir = mkdtempSync(join(tmpdir(), 'hilt-rpc-watch-'));
  const db = join(dir, 'hilt.sqlite');
  const hiltd = hiltdProcess(rpc.url, db, await freePort());
  const api = jsonClient(hiltd.base);
  try {
    // ---- 1. setup -----------------------------------------------------------------------------------
    await hiltd.start(SETUP_RATE);
    const out = execFileSync(HILTD, ['merchant', 'create', '--name', 'Bench Guild', '--db', db], { encoding: 'utf8' });
    const merchant = { 'x-hilt-key': /api_key: (hk_\S+)/.exec(out)[1] };
    const products = [];
    for (let d = 0; d < DESTINATIONS; d++) {
      const res = await api('POST', '/v1/products', {
        product_type: 'PAYMENT_LINK', title: `Bench pass ${d}`, amount_minor_units: PRICE,
        merchant_wallet: Keypair.generate().publicKey.toBase58(), delivery_type: 'INVITE_LINK',
        delivery_value: 'https://discord.gg/bench',
      }, merchant);
      if (res.status !== 201) throw new Error(`product: ${res.status} ${res.text}`);
      products.push(res.body);
    }
    log(`opening ${SESSIONS} sessions over ${DESTINATIONS} destination(s)`);
    const sessions = await pool(Array.from({ length: SESSIONS }, (_, i) => i), SETUP_CONCURRENCY, async (i) => {
      const res = await api('POST', `/v1/products/p/${products[i % products.length].slug}/connect`, {});
      if (res.status !== 201) throw new Error(`connect: ${res.status} ${res.text}`);
      return res.body.payment_id;
    });
    // Builds and signs the transaction of session `id` for a fresh funded buyer.
    const signFor = async (id) => {
      const buyer = Keypair.generate();
      rpc.airdropSol(buyer.publicKey.toBase58(), 1_000_000_000);
      rpc.mintUsdc(buyer.publicKey.toBase58(), PRICE);
      const built = await api('POST', `/v1/payments/${id}/transaction`, { buyer_wallet: buyer.publicKey.toBase58() });
      if (built.status !== 200) throw new Error(`transaction: ${built.status} ${built.text}`);
      const tx = Transaction.from(Buffer.from(built.body.transaction, 'base64'));
      tx.sign(buyer);
      return { id, wire: tx.serialize().toString('base64'), sig: bs58.encode(tx.signature) };
    };
    const broadcast = async (p) => {
      const res = await api('POST', `/v1/payments/${p.id}/broadcast`, { signed_transaction: p.wire });
      if (res.status !== 200) throw new Error(`broadcast: ${res.status} ${res.text}`);
    };
    log(`broadcasting ${SENT} transactions the adapter drops`);
    rpc.setFaults({ dropNextSend: 1_000_000_000 });
    const sent = await pool(sessions.slice(0, SENT), 4, async (id) => {
      const p = await signFor(id);
      await broadcast(p);
      return p;
    });

    // ---- 2. the measured cap --------------------------------------------------------------------------
    await hiltd.stop();
    await hiltd.start(RATE);

    // ---- 3. unseen: every send dropped, the watcher re-sends ---------------------------------------------
    let unseen = null;
    if (UNSEEN_S > 0 && SENT > 0) {
      log(`unseen window: ${UNSEEN_S} s`);
      unseen = summarize(await countOver(rpc, UNSEEN_S), SESSIONS);
      unseen.landed = sent.filter((p) => rpc.node.statusOf(p.sig) !== null).length;
    }

    // ---- 4. steady: landed, held below confirmed, all sessions waiting ----------------------------------------
    const holdSlots = Math.ceil(((WINDOW_S + 60) * 1000) / SLOT_MS);
    rpc.setFaults({ dropNextSend: 0, confirmDelaySlots: holdSlots });
    await waitUntil(() => sent.every((p) => rpc.node.statusOf(p.sig) !== null), 'the re-sent transactions landing');
    log(`steady window: ${WINDOW_S} s, ${SESSIONS} payments waiting, ${SENT} of them landed`);
    const steadyCount = await countOver(rpc, WINDOW_S);
    const steady = summarize(steadyCount, SESSIONS);
    steady.landed = sent.filter((p) => rpc.node.statusOf(p.sig) === 'processed').length;
    steady.target = 0.01;
    steady.cap = RATE;

    // ---- 5. confirm latency --------------------------------------------------------------------------------------
    rpc.setFaults({ confirmDelaySlots: 0 });
    const status = async (id) => (await api('GET', `/v1/payments/${id}`)).body?.status;
    await waitUntil(async () => {
      for (const p of sent) if ((await status(p.id)) !== 'CONFIRMED') return false;
      return true;
    }, `the ${SENT} held payments confirming`, 120_000);
    if (PAYMENTS > 0) log(`timing ${PAYMENTS} payments`);
    const latencies = [];
    for (const id of sessions.slice(SENT, SENT + PAYMENTS)) {
      const p = await signFor(id);
      await broadcast(p);
      const started = performance.now();
      for (;;) {
        if ((await status(id)) === 'CONFIRMED') break;
        if (performance.now() - started > 60_000) throw new Error(`${id} did not confirm within 60 s`);
        await sleep(POLL_MS);
      }
      latencies.push(performance.now() - started);
    }
    const delay = CONFIRM_SLOTS * SLOT_MS;
    const sorted = [...latencies].sort((a, b) => a - b);
    const latency = PAYMENTS === 0 ? null : {
      payments: PAYMENTS,
      adapter_delay_ms: delay,
      mean_ms: round(latencies.reduce((s, v) => s + v, 0) / PAYMENTS, 1),
      p50_ms: round(percentile(sorted, 50), 1),
      p90_ms: round(percentile(sorted, 90), 1),
      max_ms: round(sorted[sorted.length - 1], 1),
      ratio_p50: round(percentile(sorted, 50) / delay, 2),
      ratio_p90: round(percentile(sorted, 90) / delay, 2),
      ratio_max: round(sorted[sorted.length - 1] / delay, 2),
    };

    process.stdout.write(JSON.stringify({
      bench: 'rpc_watch', rate_cap: RATE, slot_ms: SLOT_MS, confirm_slots: CONFIRM_SLOTS, sessions: SESSIONS,
      sent: SENT, destinations: DESTINATIONS, unseen, steady, confirm_latency: latency,
    }) + '\n');
  } catch (e) {
    process.stderr.write(`rpc_watch: ${e.stack ?? e}\n--- hiltd output ---\n${hiltd.output()}\n`);
    process.exitCode = 1;
  } finally {
    await hiltd.stop();
    await rpc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
