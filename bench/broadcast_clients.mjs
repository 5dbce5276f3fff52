// bench/broadcast_clients.mjs: broadcasts per second at hiltd against a libsodium verify loop in the same run
// (issue 8: "a libsodium verify loop for broadcast"). A measurement, not a test: it asserts nothing, it prints
// figures (scripts/bench's part i).
// Owns: one hiltd on the sandbox chain (a fresh SQLite file, removed at the end) and the baseline's runs.
// Must never: time the buyer's side (connect, /transaction and the buyer's signature are the untimed setup of
// each round), or reach anything but loopback.
//
// What it does:
//  1. once: a workspace, one USDC payment link, --buyers web3.js buyers funded on the sandbox chain.
//  2. per round, untimed: --payments sessions (connect, /transaction for one of the buyers, web3.js signs).
//  3. per round, timed: POST /v1/payments/{id}/broadcast of every signed transaction, --clients in flight.
//     What a broadcast does in hiltd: parse the wire bytes, check the buyer's ed25519 signature and the
//     transaction against the one hiltd built, record it durably before sending, send it to the chain.
//     broadcasts/s = payments / the phase's wall time; latency per request; hiltd's CPU time per broadcast.
//  4. per round, the baseline: hilt_bench_sodium_verify for --seconds (crypto_sign_verify_detached of a message
//     of the same size as the broadcast transactions' messages, on every core). Rounds alternate which goes first.
// The ratio says how close a broadcast comes to its one irreducible piece of CPU work (the signature check);
// hiltd's CPU per broadcast against the verify loop's CPU per check says the same in CPU time, less noisily.
//
// Usage: node bench/broadcast_clients.mjs --hiltd PATH --verify PATH [--payments 2000] [--clients 64]
//          [--buyers 64] [--rounds 4] [--seconds 5]
// Prints progress on stderr and one JSON line on stdout:
//   {"bench":"broadcast", payments, clients, message_bytes, rounds: [{round, broadcasts_per_second,
//    p50_ms, p99_ms, hiltd_cpu_ms_per_broadcast, verifies_per_second, verify_threads}], errors}
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import web3 from '@solana/web3.js';
import { jsonClient } from '../tests/e2e/hiltd.mjs';
import { benchArgs } from './args.mjs';
import { percentile, pool, round, startHiltd, strict } from './drivers.mjs';

const { Keypair, Transaction } = web3;
const run = promisify(execFile);

const { args, num } = benchArgs('broadcast_clients');
const HILTD = args.hiltd ?? process.env.HILT_HILTD ?? 'build/release/server/hiltd';
const VERIFY = args.verify ?? 'build/release/bench/hilt_bench_sodium_verify';
const PAYMENTS = Math.max(1, num('payments', 2000));
const CLIENTS = Math.max(1, num('clients', 64));
const BUYERS = Math.max(1, num('buyers', 64));
const ROUNDS = Math.max(1, num('rounds', 4));
const SECONDS = Math.max(1, num('seconds', 5));

const PRICE = 1_000_000; // 1.00 USDC
const BUYER_USDC = 10_000_000_000; // the sandbox's largest airdrop: enough for every round's payments
const BUYER_LAMPORTS = 1_000_000_000;

const log = (message) => process.stderr.write(`broadcast: ${message}\n`);

const hiltd = await startHiltd(HILTD);
const call = strict(jsonClient(hiltd.base));
try {
  // ---- 1. once: a workspace, a product, funded buyers ----------------------------------------------------------
  const out = execFileSync(HILTD, ['merchant', 'create', '--name', 'Bench Broadcast', '--db', hiltd.db],
                           { encoding: 'utf8' });
  const merchant = { 'x-hilt-key': /api_key: (hk_\S+)/.exec(out)[1] };
  const product = await call('POST', '/v1/products', {
    product_type: 'PAYMENT_LINK', title: 'Bench broadcast pass', amount_minor_units: PRICE,
    merchant_wallet: Keypair.generate().publicKey.toBase58(), delivery_type: 'INVITE_LINK',
    delivery_value: 'https://discord.gg/bench',
  }, merchant);
  const buyers = Array.from({ length: BUYERS }, () => Keypair.generate());
  await pool(buyers, 16, async (buyer) => {
    const wallet = buyer.publicKey.toBase58();
    await call('POST', '/v1/sandbox/airdrop', { wallet, asset: 'SOL', amount_minor_units: BUYER_LAMPORTS });
    await call('POST', '/v1/sandbox/airdrop', { wallet, asset: 'USDC', amount_minor_units: BUYER_USDC });
  });

  const rounds = [];
  let errors = 0;
  let messageBytes = 0;
  for (let r = 1; r <= ROUNDS; r++) {
    // ---- 2. untimed: the sessions and the buyers' signatures ---------------------------------------------------
    log(`round ${r}: ${PAYMENTS} sessions`);
    const signed = await pool(Array.from({ length: PAYMENTS }, (_, i) => buyers[i % BUYERS]), CLIENTS,
                              async (buyer) => {
      const session = await call('POST', `/v1/products/p/${product.slug}/connect`, {});
      const built = await call('POST', `/v1/payments/${session.payment_id}/transaction`,
                               { buyer_wallet: buyer.publicKey.toBase58() });
      const tx = Transaction.from(Buffer.from(built.transaction, 'base64'));
      tx.partialSign(buyer);
      messageBytes = tx.serializeMessage().length;
      return { id: session.payment_id, body: { signed_transaction: tx.serialize().toString('base64') } };
    });

    const verifyLoop = async () => {
      const { stdout } = await run(VERIFY, ['--seconds', String(SECONDS), '--message-bytes', String(messageBytes)]);
      return JSON.parse(stdout.trim().split('\n').at(-1));
    };
    // ---- 3. timed: the broadcasts ---------------------------------------------------------------------------------
    const broadcasts = async () => {
      const latencies = [];
      const cpuBefore = hiltd.cpuMs();
      const started = performance.now();
      await pool(signed, CLIENTS, async ({ id, body }) => {
        const sent = performance.now();
        const res = await jsonClient(hiltd.base)('POST', `/v1/payments/${id}/broadcast`, body);
        latencies.push(performance.now() - sent);
        if (res.status !== 200) errors += 1;
      });
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        broadcasts_per_second: round(PAYMENTS / seconds, 1),
        p50_ms: round(percentile(latencies, 50), 2),
        p99_ms: round(percentile(latencies, 99), 2),
        hiltd_cpu_ms_per_broadcast: round((hiltd.cpuMs() - cpuBefore) / PAYMENTS, 3),
      };
    };
    // ---- 4. the baseline, alternating which goes first ----------------------------------------------------------
    let measured;
    let verify;
    if (r % 2 === 1) {
      measured = await broadcasts();
      verify = await verifyLoop();
    } else {
      verify = await verifyLoop();
      measured = await broadcasts();
    }
    rounds.push({ round: r, ...measured, verifies_per_second: verify.verifies_per_second,
                  verify_threads: verify.threads });
    log(`round ${r}: ${measured.broadcasts_per_second} broadcasts/s (p99 ${measured.p99_ms} ms), ` +
        `${verify.verifies_per_second} verifies/s`);
  }
  console.log(JSON.stringify({ bench: 'broadcast', payments: PAYMENTS, clients: CLIENTS, message_bytes: messageBytes,
                               rounds, errors }));
} finally {
  await hiltd.stop();
}
