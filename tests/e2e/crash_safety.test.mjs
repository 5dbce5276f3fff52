// tests/e2e/crash_safety.test.mjs: crash safety (issue 8). A real hiltd on the sandbox chain works under
// load — buyers connecting, broadcasting tweetnacl-signed transactions and confirming, a merchant creating
// and editing products — and is killed with SIGKILL at random moments, at least 50 times, and started again
// on the same SQLite file each time. Every request answered 2xx is recorded with what it acknowledged; a
// request that died with the connection is unknown (it may or may not have landed). At the end: everything
// acknowledged is there and no further back than acknowledged, the file passes PRAGMA integrity_check after
// every kill and at the end (the sqlite3 CLI), each payment is in one consistent state, and what was credited
// is exactly the distinct confirmed transactions the buyers signed.
//
// The sandbox chain lives in hiltd's memory, so a kill forgets it (balances, landed transactions,
// blockhashes): a payment confirmed before a kill stays CONFIRMED (the store has it, with its receipt); a
// transaction accepted but not yet confirmed is re-sent to a chain that no longer knows it, expires, and
// returns its session to PENDING_SIGNATURE, as on a cluster that dropped it. Buyers are funded afresh for
// every journey for the same reason.
//
// The crash moments and the loops' choices come from a seeded PRNG: HILT_CRASH_SEED=<n> replays a run's
// schedule (the seed is printed first). HILT_CRASH_KILLS raises the number of kills (never below 50).
// Must never: count a request whose connection died as acknowledged, or wait by sleeping where a state can
// be checked (the pauses below are the crash moments and the buyers' polling pace, nothing else).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import web3 from '@solana/web3.js';
import nacl from 'tweetnacl';
import bs58 from 'bs58';
import { startHiltd, waitFor } from './hiltd.mjs';

const { Keypair, Transaction } = web3;

const SEED = Number(process.env.HILT_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
const KILLS = Math.max(50, Number(process.env.HILT_CRASH_KILLS ?? 50));
const BUYER_LOOPS = 6;
const MAX_PRODUCTS = 16; // then the merchant loop edits the products it has
const FEE_BPS = 100n;
console.log(`crash_safety: seed ${SEED} (HILT_CRASH_SEED=${SEED} replays this crash schedule), ${KILLS} kills`);

// mulberry32: a small seeded PRNG, uniform in [0, 1).
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The sqlite3 CLI over `file` (read-only): rows as objects.
function sql(file, query) {
  const out = execFileSync('sqlite3', ['-readonly', '-json', file, query], { encoding: 'utf8' });
  return out.trim() === '' ? [] : JSON.parse(out);
}

// PRAGMA integrity_check on a copy of the database as it is now (hiltd stopped): the copy keeps the sqlite3
// CLI from checkpointing the real file's WAL, so hiltd's own start recovers exactly what the kill left.
function integrityOfCopy(db) {
  const scratch = mkdtempSync(join(tmpdir(), 'hilt-crash-copy-'));
  try {
    const copy = join(scratch, 'copy.sqlite');
    copyFileSync(db, copy);
    if (existsSync(`${db}-wal`)) copyFileSync(`${db}-wal`, `${copy}-wal`);
    return execFileSync('sqlite3', [copy, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// 50 restarts on one port: a port below the ephemeral range, so no client socket can hold it while hiltd is down.
const hiltd = await startHiltd(['--fee-bps', String(FEE_BPS), '--public-rate-limit', '0'], { stablePort: true });
after(() => hiltd.cleanup());
const merchant = { 'x-hilt-key': hiltd.createMerchant('Crash Guild') };
const merchantWallet = Keypair.generate().publicKey.toBase58();

// The server as the loops see it: which process (generation) answers, and while one is being replaced, a
// promise of the next one being ready (/v1/health answered).
const server = { generation: 0, down: false, up: Promise.resolve() };
const reachable = () => (server.down ? server.up : Promise.resolve());

// One request as a client sees it: { status, body, text, generation } when hiltd answered, { lost: true }
// when the connection died before the answer (refused, reset, closed): then it may or may not have landed.
async function call(method, path, body, headers = {}) {
  const generation = server.generation;
  try {
    return { ...(await hiltd.api(method, path, body, headers)), generation, answeredIn: server.generation };
  } catch (error) {
    // A connection may die only with a process this test killed: lost while no kill was under way (the same
    // process still up) is hiltd dropping a request by itself.
    if (!server.down && server.generation === generation) {
      surprises.push(`${method} ${path}: connection lost with no kill under way (${error.cause?.code ?? error.message})`);
    }
    return { lost: true, error, generation };
  }
}

// What the server acknowledged, and what the test attempted without an answer.
const products = new Map(); // product_id -> { slug, price, edits: [{ value, acked }] }
const payments = new Map(); // payment_id -> { productId, price, buyer?, acks: [{ what, status, signature? }], ... }
const signedBy = new Map(); // every transaction signature the buyers produced -> its payment_id
const surprises = []; // answers no crash explains (5xx, unexpected statuses): must stay empty
const stats = { kills: 0, connects: 0, lostConnects: 0, broadcasts: 0, lostBroadcasts: 0, refused: 0,
                confirmedAcks: 0, unknownProducts: 0, edits: 0, lostEdits: 0, restartMs: 0 };

function surprise(what, res) {
  surprises.push(`${what}: ${res.status} ${res.text?.slice(0, 300)}`);
}

let productCount = 0;
async function createProduct(rand) {
  productCount += 1;
  const n = productCount;
  const price = 1_000_000 + n * 10_000 + Math.floor(rand() * 100); // distinct prices, so sums tell them apart
  const body = {
    product_type: 'PAYMENT_LINK',
    title: `Crash pass ${n}`,
    amount_minor_units: price,
    merchant_wallet: merchantWallet,
    delivery_type: 'INVITE_LINK',
    delivery_value: `https://discord.gg/crash-${n}`,
    membership_config: { enabled: true, platform: 'DISCORD', identity_type: 'WALLET', renewal_mode: 'ONE_OFF',
                         billing_interval_days: 30, grace_period_days: 2 },
  };
  const headers = { ...merchant, 'idempotency-key': `product-${SEED}-${n}` };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const res = await call('POST', '/v1/products', body, headers);
    if (res.lost) {
      await reachable();
      continue;
    }
    if (res.status === 201) {
      products.set(res.body.product_id, { slug: res.body.slug, price, edits: [] });
      return;
    }
    // The same key while a killed process left it unanswered: released after 60 s, so this one stays unknown.
    if (res.status === 409 && res.body?.error?.code === 'conflict') break;
    surprise('create product', res);
    return;
  }
  stats.unknownProducts += 1;
}

let editCount = 0;
async function editProduct(rand) {
  const ids = [...products.keys()];
  const id = ids[Math.floor(rand() * ids.length)];
  editCount += 1;
  const edit = { value: `edit ${editCount}`, acked: false };
  products.get(id).edits.push(edit);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const res = await call('PATCH', `/v1/products/${id}`, { description: edit.value }, merchant);
    if (res.lost) {
      stats.lostEdits += 1;
      await reachable();
      continue;
    }
    if (res.status !== 200 || res.body.description !== edit.value) return surprise('edit product', res);
    edit.acked = true;
    stats.edits += 1;
    return;
  }
}

// A fresh buyer (a kill empties the chain, so every journey funds its own), with a tweetnacl key.
function newBuyer() {
  const pair = nacl.sign.keyPair();
  return { secretKey: pair.secretKey, keypair: Keypair.fromSecretKey(pair.secretKey) };
}

// Funds `wallet` on the chain of the process now running (false when a request was lost).
async function fund(wallet, usdc) {
  const answers = await Promise.all([['SOL', 100_000_000], ['USDC', usdc]].map(([asset, amount]) =>
    call('POST', '/v1/sandbox/airdrop', { wallet, asset, amount_minor_units: amount })));
  for (const res of answers) {
    if (res.lost) return false;
    if (res.status !== 200) {
      surprise('airdrop', res);
      return false;
    }
  }
  return true;
}

// Connects, with an idempotency key or without (as a page that sends none): a lost keyed connect is asked
// again once the server is back, and the replay finds the session if it was stored and answered; a lost
// unkeyed one is not retried. Returns the session, or null when its fate stays unknown.
async function connect(product, keyed, tag) {
  for (let attempt = 0; attempt < (keyed ? 2 : 1); attempt += 1) {
    const res = await call('POST', `/v1/products/p/${product.slug}/connect`, {}, keyed ? { 'idempotency-key': tag } : {});
    if (res.lost) {
      stats.lostConnects += 1;
      await reachable();
      continue;
    }
    if (res.status === 409 && res.body?.error?.code === 'conflict') return null; // unanswered by a killed process
    if (res.status !== 201) {
      surprise('connect', res);
      return null;
    }
    return res.body;
  }
  return null;
}

// One buyer's journey: (fund + connect) -> transaction -> sign -> broadcast -> confirm, recording every ack.
// Returns when the journey ends, however it ends (a lost request on the way simply ends it).
async function journey(rand, tag) {
  const ids = [...products.keys()];
  const productId = ids[Math.floor(rand() * ids.length)];
  const product = products.get(productId);
  const buyer = newBuyer();
  const wallet = buyer.keypair.publicKey.toBase58();
  // Independent of each other, so at once: a whole journey then fits between two kills more often.
  const [funded, session] = await Promise.all([fund(wallet, product.price), connect(product, rand() < 0.5, tag)]);
  if (!session) return;
  stats.connects += 1;
  const paymentId = session.payment_id;
  if (session.amount_minor_units !== product.price) surprise('connect quote', { status: 201, text: JSON.stringify(session) });
  const payment = payments.get(paymentId) ?? { productId, price: product.price, acks: [], refused: [] };
  payments.set(paymentId, payment);
  payment.acks.push({ what: 'connect', status: session.status });
  if (!funded) return;

  const built = await call('POST', `/v1/payments/${paymentId}/transaction`, { buyer_wallet: wallet });
  if (built.lost) return;
  // A kill between funding and building forgets the funds: the server says so; that ends the journey.
  if (built.status === 422 && built.body?.error?.code === 'insufficient_funds') return;
  if (built.status !== 200) return surprise('transaction', built);
  payment.buyer = wallet;
  payment.acks.push({ what: 'transaction', status: 'PENDING_SIGNATURE' });
  // The process whose chain gave the blockhash, when known for sure: only that chain can land it.
  const builtBy = built.generation === built.answeredIn ? built.generation : -1;

  const tx = Transaction.from(Buffer.from(built.body.transaction, 'base64'));
  tx.addSignature(buyer.keypair.publicKey, Buffer.from(nacl.sign.detached(tx.serializeMessage(), buyer.secretKey)));
  const signature = bs58.encode(tx.signature);
  signedBy.set(signature, paymentId);
  payment.signature = signature;
  const signedB64 = tx.serialize().toString('base64');

  // Broadcast; a lost one is sent again to the restarted server, which either answers it from the store
  // (it was recorded) or refuses it (it was not: the new chain does not know its blockhash).
  let sent = null;
  for (let attempt = 0; attempt < 3 && !sent; attempt += 1) {
    const res = await call('POST', `/v1/payments/${paymentId}/broadcast`, { signed_transaction: signedB64 });
    if (res.lost) {
      stats.lostBroadcasts += 1;
      await reachable();
      continue;
    }
    if (res.status === 422) {
      // Not recorded when this process answered; no later process can record it (only a broadcast can).
      payment.refused.push(signature);
      stats.refused += 1;
      return;
    }
    if (res.status !== 200 || res.body.tx_signature !== signature) return surprise('broadcast', res);
    sent = res;
  }
  if (!sent) return;
  stats.broadcasts += 1;
  // Sent to a chain that is still there only when the process that built it accepted it itself (a retry
  // answered from the store by a later process proves nothing about any chain).
  const sentBy = sent.generation === sent.answeredIn && sent.generation === builtBy ? builtBy : -1;
  payment.acks.push({ what: 'broadcast', status: sent.body.status, signature, sentBy });

  // Confirmation, asked of the process that accepted the transaction (a new one has a new chain, where
  // this transaction can only expire): poll at a buyer's pace until it settles one way or the other.
  for (let polls = 0; polls < 60 && server.generation === sent.generation; polls += 1) {
    const res = await call('POST', `/v1/payments/${paymentId}/confirm`, {});
    if (res.lost) return;
    if (res.status !== 200) return surprise('confirm', res);
    payment.acks.push({ what: 'confirm', status: res.body.status, signature: res.body.tx_signature });
    if (res.body.status === 'CONFIRMED') {
      stats.confirmedAcks += 1;
      return;
    }
    if (res.body.status !== 'PENDING_CONFIRMATION') return;
    await delay(50);
  }
}

// The loops: run until told to stop (at the latest when the test ends, passed or not); `finished` is the
// generation in which an iteration last began and ended without a restart in between.
const control = { stop: false };
after(() => {
  control.stop = true;
});
function loop(body, rand) {
  const state = { finished: -1, done: null };
  state.done = (async () => {
    for (let i = 0; !control.stop; i += 1) {
      const began = server.generation;
      await body(rand, i);
      if (server.generation === began && !server.down) state.finished = began;
      else await reachable();
    }
  })();
  return state;
}

test(`SIGKILL ${KILLS} times under connect, broadcast and confirm load loses nothing acknowledged`, async () => {
  const started = Date.now();
  const schedule = prng(SEED);
  await createProduct(prng(SEED ^ 0x5eed));
  await createProduct(prng(SEED ^ 0x5eee));
  assert.equal(products.size, 2, surprises.join('\n'));

  const loops = [loop((rand) => (products.size < MAX_PRODUCTS ? createProduct(rand) : editProduct(rand)),
                      prng(SEED + 1))];
  for (let b = 0; b < BUYER_LOOPS; b += 1) {
    loops.push(loop((rand, i) => journey(rand, `crash-${SEED}-${b}-${i}`), prng(SEED + 2 + b)));
  }

  // The kills: each at a random moment (the point of the test, not a wait for anything), each followed by
  // an integrity check of the file the kill left and a restart that waits for /v1/health. Most moments
  // fall 50-400 ms after a start; one in four 400-1200 ms, long enough for the sandbox's 400 ms slots to
  // confirm payments, so that kills also land while confirmations are being settled.
  for (let k = 1; k <= KILLS; k += 1) {
    const long = schedule() < 0.25;
    await delay(long ? 400 + Math.floor(schedule() * 800) : 50 + Math.floor(schedule() * 350));
    let ready;
    server.up = new Promise((resolve) => (ready = resolve));
    server.down = true;
    assert.ok(hiltd.running(), `hiltd ended on its own before kill ${k}:\n${hiltd.output().slice(-4000)}`);
    await hiltd.stop('SIGKILL');
    stats.kills += 1;
    assert.equal(integrityOfCopy(hiltd.db), 'ok', `integrity_check after kill ${k}`);
    const restarting = Date.now();
    await hiltd.restart('SIGKILL'); // already stopped: starts it and waits for /v1/health
    stats.restartMs += Date.now() - restarting;
    server.generation += 1;
    server.down = false;
    ready();
  }

  // The last process serves whole iterations of every loop before the loops stop.
  const finalGeneration = server.generation;
  await waitFor(() => loops.every((l) => l.finished === finalGeneration),
                'an iteration of every loop on the last process', 60_000);
  control.stop = true;
  await Promise.all(loops.map((l) => l.done));
  const loadEnded = Date.now();

  // Settle: transactions accepted by killed processes were re-sent to chains that never saw them; move the
  // last chain's height past every outstanding expiry height (the sandbox's expire_blockhashes fault) so each
  // either lands and confirms or expires, as on a cluster after ~60-90 s.
  const outstanding = sql(hiltd.db, "SELECT coalesce(max(expiry_height), 0) AS h FROM payment_transactions WHERE state = 'SENT'")[0].h;
  for (let slot = 0; slot <= outstanding + 1;) {
    const res = await hiltd.api('POST', '/v1/sandbox/faults', { expire_blockhashes: true }, merchant);
    assert.equal(res.status, 200, res.text);
    slot = res.body.slot;
  }
  await waitFor(() => sql(hiltd.db, "SELECT count(*) AS n FROM payments WHERE status = 'PENDING_CONFIRMATION'")[0].n === 0,
                'every accepted transaction confirmed or expired', 60_000);

  assert.deepEqual(surprises, [], 'answers no crash explains');

  // 1. Everything acknowledged, through the API of the last process.
  for (const [id, product] of products) {
    const res = await hiltd.api('GET', `/v1/products/${id}`, undefined, merchant);
    assert.equal(res.status, 200, `acknowledged product ${id}: ${res.text}`);
    assert.equal(res.body.slug, product.slug);
    assert.equal(res.body.amount_minor_units, product.price);
    const lastAcked = product.edits.findLastIndex((e) => e.acked);
    if (lastAcked >= 0) {
      // The last acknowledged edit, or one tried after it whose answer was lost.
      const allowed = product.edits.slice(lastAcked).map((e) => e.value);
      assert.ok(allowed.includes(res.body.description), `product ${id}: ${res.body.description} not in ${allowed}`);
    }
  }
  const transactionRows = new Map(sql(hiltd.db, 'SELECT signature, payment_id, state FROM payment_transactions')
    .map((r) => [r.signature, r]));
  let finalProcessBroadcasts = 0;
  for (const [id, payment] of payments) {
    const res = await hiltd.api('GET', `/v1/payments/${id}`);
    assert.equal(res.status, 200, `acknowledged payment ${id}: ${res.text}`);
    const now = res.body;
    const what = `${id} (acks ${JSON.stringify(payment.acks)}) now ${now.status}`;
    assert.equal(now.amount_minor_units, payment.price, what);
    if (payment.buyer) assert.equal(now.buyer_wallet, payment.buyer, `bound wallet of ${what}`);
    for (const ack of payment.acks) {
      if (ack.status === 'CONFIRMED') {
        assert.equal(now.status, 'CONFIRMED', `a CONFIRMED ack went back: ${what}`);
        assert.equal(now.tx_signature, ack.signature, what);
      }
      if (ack.status === 'FAILED') assert.ok(['FAILED', 'CONFIRMED'].includes(now.status), what);
      if (ack.what === 'broadcast') {
        const row = transactionRows.get(ack.signature);
        assert.ok(row, `acknowledged broadcast ${ack.signature} is not recorded: ${what}`);
        assert.equal(row.payment_id, id, what);
        if (now.status === 'CONFIRMED') assert.equal(now.tx_signature, ack.signature, what);
        else assert.ok(['EXPIRED', 'FAILED'].includes(row.state), `${ack.signature} is ${row.state}: ${what}`);
        // Built and accepted by the last process, whose chain is still there: it must have confirmed.
        if (ack.sentBy === finalGeneration) {
          finalProcessBroadcasts += 1;
          assert.equal(now.status, 'CONFIRMED', `accepted by the last process: ${what}`);
        }
      }
    }
    for (const signature of payment.refused) {
      assert.equal(transactionRows.get(signature), undefined, `refused ${signature} was recorded: ${what}`);
      assert.notEqual(now.tx_signature, signature, what);
    }
  }
  assert.ok(finalProcessBroadcasts > 0, 'the last process accepted broadcasts (and they confirmed)');

  // Credited amounts through the merchant API: each product's revenue is its distinct confirmed signatures.
  const confirmedRows = sql(hiltd.db, "SELECT payment_id, product_id, tx_signature FROM payments WHERE status = 'CONFIRMED'");
  const creditedByProduct = new Map();
  for (const row of confirmedRows) {
    creditedByProduct.set(row.product_id, (creditedByProduct.get(row.product_id) ?? new Set()).add(row.tx_signature));
  }
  for (const [id, product] of products) {
    const res = await hiltd.api('GET', `/v1/products/${id}/analytics`, undefined, merchant);
    assert.equal(res.status, 200, res.text);
    const distinct = creditedByProduct.get(id)?.size ?? 0;
    const revenue = res.body.revenue;
    if (distinct === 0) {
      assert.deepEqual(revenue, [], `product ${id} has no confirmed payment`);
      continue;
    }
    assert.equal(revenue.length, 1, res.text);
    const gross = BigInt(distinct) * BigInt(product.price);
    const fees = BigInt(distinct) * ((BigInt(product.price) * FEE_BPS) / 10_000n);
    assert.equal(revenue[0].payments, distinct, `product ${id}: ${res.text}`);
    assert.equal(BigInt(revenue[0].gross_minor_units), gross, `product ${id}: ${res.text}`);
    assert.equal(BigInt(revenue[0].fees_minor_units), fees, `product ${id}: ${res.text}`);
    assert.equal(BigInt(revenue[0].net_minor_units), gross - fees, `product ${id}: ${res.text}`);
  }

  // 2. The file itself, once the last process stopped cleanly (and no process reported a sanitizer error).
  await hiltd.stop('SIGTERM');
  assert.doesNotMatch(hiltd.output(), /AddressSanitizer|LeakSanitizer|runtime error:/);
  const db = hiltd.db;
  assert.equal(execFileSync('sqlite3', ['-readonly', db, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim(), 'ok');
  assert.deepEqual(sql(db, 'PRAGMA foreign_key_check'), []);
  const all = sql(db, 'SELECT payment_id, status, failure_reason, tx_signature, confirmed_at FROM payments');
  assert.deepEqual(sql(db, 'SELECT payment_id FROM payments GROUP BY payment_id HAVING count(*) > 1'), []);
  const allowed = new Set(['PENDING_SIGNATURE', 'CONFIRMED', 'FAILED']); // PENDING_CONFIRMATION settled above
  for (const row of all) assert.ok(allowed.has(row.status), `${row.payment_id} is ${row.status}`);
  // One credit per signature, every credit a transaction a buyer signed for exactly that payment.
  assert.deepEqual(sql(db, "SELECT tx_signature FROM payments WHERE status = 'CONFIRMED' GROUP BY tx_signature HAVING count(*) > 1"), []);
  for (const row of all.filter((r) => r.status === 'CONFIRMED')) {
    assert.equal(signedBy.get(row.tx_signature), row.payment_id, `${row.payment_id} credited ${row.tx_signature}`);
    assert.ok(row.confirmed_at, row.payment_id);
  }
  for (const row of all.filter((r) => r.status === 'FAILED')) assert.ok(row.failure_reason, row.payment_id);
  // CONFIRMED exactly when the payment has a LANDED transaction (its own), a receipt of that transaction,
  // one payment.confirmed event and a membership it started; nothing of the sort otherwise.
  const mismatched = sql(db, `
    SELECT p.payment_id, p.status,
      (SELECT count(*) FROM payment_transactions t WHERE t.payment_id = p.payment_id AND t.state = 'LANDED') AS n_landed,
      (SELECT count(*) FROM payment_transactions t WHERE t.payment_id = p.payment_id AND t.state = 'SENT') AS n_sent,
      (SELECT count(*) FROM receipts r WHERE r.payment_id = p.payment_id
         AND json_extract(r.body, '$.tx_signature') = p.tx_signature
         AND json_extract(r.body, '$.amount_minor_units') = json_extract(p.quote, '$.amount_minor_units')) AS n_receipts,
      (SELECT count(*) FROM receipts r WHERE r.payment_id = p.payment_id) AS n_any_receipts,
      (SELECT count(*) FROM events e WHERE e.type = 'payment.confirmed'
         AND json_extract(e.body, '$.data.payment_id') = p.payment_id) AS n_events,
      (SELECT count(*) FROM memberships m WHERE m.membership_id = p.membership_id
         AND json_extract(m.body, '$.last_payment_id') = p.payment_id
         AND json_extract(m.body, '$.renewal_count') = 0) AS n_memberships
    FROM payments p
    WHERE NOT (CASE WHEN p.status = 'CONFIRMED'
                 THEN n_landed = 1 AND n_sent = 0 AND n_receipts = 1 AND n_events = 1 AND n_memberships = 1
                 ELSE n_landed = 0 AND n_sent = 0 AND n_any_receipts = 0 AND n_events = 0 END)`);
  assert.deepEqual(mismatched, [], 'payments whose state disagrees with their rows');
  // The LANDED transaction of a confirmed payment is the one it was credited with.
  assert.deepEqual(sql(db, `SELECT t.signature FROM payment_transactions t JOIN payments p USING (payment_id)
                            WHERE t.state = 'LANDED' AND (p.status != 'CONFIRMED' OR p.tx_signature != t.signature)`), []);
  // Credited sums: the receipts add up to the prices of the distinct confirmed signatures.
  const credited = sql(db, `SELECT count(*) AS n, coalesce(sum(json_extract(body, '$.amount_minor_units')), 0) AS total
                            FROM receipts`)[0];
  const distinctConfirmed = new Set(confirmedRows.map((r) => r.tx_signature));
  const expectedTotal = [...distinctConfirmed].reduce((sum, s) => sum + payments.get(signedBy.get(s)).price, 0);
  assert.equal(credited.n, distinctConfirmed.size);
  assert.equal(credited.total, expectedTotal);

  // The run did what it claims: kills under load, and payments confirmed across them.
  assert.equal(stats.kills, KILLS);
  assert.ok(stats.confirmedAcks > 0 && stats.broadcasts > 0 && stats.connects > 0, JSON.stringify(stats));
  console.log(`crash_safety: ${JSON.stringify({ ...stats, products: products.size, payments: all.length,
    confirmed: distinctConfirmed.size, loadSeconds: (loadEnded - started) / 1000,
    totalSeconds: (Date.now() - started) / 1000 })}`);
});
