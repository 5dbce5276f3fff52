// tests/e2e/rpc_faults.test.mjs: hiltd against a misbehaving Solana node (issue 4, "Fault runs"). hiltd runs
// with --chain rpc against the LiteSVM JSON-RPC adapter (tests/support/litesvm_rpc.mjs), whose slots move only
// when a test advances them (slotMs 0), so "landed", "confirmed" and "finalized" happen exactly when a test
// says. Each test breaks the node in one way (down, 429 storm, malformed answers, hiltd SIGKILLed mid-way, a
// commitment not reached yet, a fork dropped after confirmation) and then checks that no payment is lost, none
// is confirmed twice and none is confirmed before the commitment hiltd was told to wait for.
// "Confirmed once" is read from every place a second settlement would show: the merchant's trail (one row),
// the receipt (one, for the transaction that landed), the membership (one period of 30 days, not two) and the
// chain itself (the merchant's token account holds exactly the net amounts paid).
// Owns only what it starts: one adapter and one hiltd per test, each stopped when the test ends.
// Must never: wait a fixed time for a state (waitFor polls the state), except where time passing is the
// point (the request rate during a 429 storm, a buyer's poll cadence).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import web3 from '@solana/web3.js';
import * as spl from '@solana/spl-token';
import bs58 from 'bs58';
import { startHiltd, waitFor } from './hiltd.mjs';
import { startLitesvmRpc } from '../support/litesvm_rpc.mjs';

const { Keypair, Transaction, PublicKey } = web3;
const PRICE = 12_500_000n; // 12.50 USDC
const FEE_BPS = 250n;
const NET = PRICE - (PRICE * FEE_BPS) / 10_000n;
const BILLING_DAYS = 30;
const DAY_MS = 86_400_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One adapter (manual slots) and one hiltd on it, a merchant and a product. `rate` is --rpc-rate-limit.
async function setup(t, { rate = 50, hiltdArgs = [], rpcOptions = {} } = {}) {
  const rpc = await startLitesvmRpc({ slotMs: 0, ...rpcOptions });
  let hiltd;
  try {
    hiltd = await startHiltd(['--chain', 'rpc', '--rpc-url', rpc.url, '--rpc-rate-limit', String(rate),
                              '--fee-bps', String(FEE_BPS), '--public-rate-limit', '0', ...hiltdArgs]);
  } catch (e) {
    await rpc.stop();
    throw e;
  }
  t.after(async () => {
    try {
      await hiltd.cleanup();
    } finally {
      await rpc.stop(); // even when hiltd did not stop cleanly: a listening adapter keeps the run alive
    }
  });
  const merchant = { 'x-hilt-key': hiltd.createMerchant('Fault Guild') };
  const merchantWallet = Keypair.generate().publicKey;
  const product = await hiltd.api('POST', '/v1/products', {
    product_type: 'PAYMENT_LINK',
    title: 'Fault pass',
    amount_minor_units: Number(PRICE),
    merchant_wallet: merchantWallet.toBase58(),
    delivery_type: 'INVITE_LINK',
    delivery_value: 'https://discord.gg/fault-guild',
    membership_config: { enabled: true, platform: 'DISCORD', identity_type: 'WALLET', renewal_mode: 'ONE_OFF',
                         billing_interval_days: BILLING_DAYS, grace_period_days: 2 },
  }, merchant);
  assert.equal(product.status, 201, product.text);
  const usdc = new PublicKey(rpc.usdcMint);
  const merchantAta = spl.getAssociatedTokenAddressSync(usdc, merchantWallet);

  const ctx = {
    rpc,
    hiltd,
    merchant,
    product: product.body,
    get: (id) => hiltd.api('GET', `/v1/payments/${id}`),
    // A funded buyer, a session, the transaction hiltd builds for it, signed with web3.js (not sent).
    async signed() {
      const buyer = Keypair.generate();
      rpc.airdropSol(buyer.publicKey.toBase58(), 1_000_000_000);
      rpc.mintUsdc(buyer.publicKey.toBase58(), PRICE);
      const session = await hiltd.api('POST', `/v1/products/p/${ctx.product.slug}/connect`, {});
      assert.equal(session.status, 201, session.text);
      const id = session.body.payment_id;
      const built = await hiltd.api('POST', `/v1/payments/${id}/transaction`,
                                    { buyer_wallet: buyer.publicKey.toBase58() });
      assert.equal(built.status, 200, built.text);
      const tx = Transaction.from(Buffer.from(built.body.transaction, 'base64'));
      tx.sign(buyer);
      return { id, buyer, wire: tx.serialize().toString('base64'), sig: bs58.encode(tx.signature) };
    },
    broadcast: (p) => hiltd.api('POST', `/v1/payments/${p.id}/broadcast`, { signed_transaction: p.wire }),
    // Signed and broadcast; the answer must be the accepted one.
    async sent() {
      const p = await ctx.signed();
      const res = await ctx.broadcast(p);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status, 'PENDING_CONFIRMATION');
      assert.equal(res.body.tx_signature, p.sig);
      return p;
    },
    async statusOf(id) {
      const res = await ctx.get(id);
      assert.equal(res.status, 200, res.text);
      return res.body.status;
    },
    confirmed: (id, what = `${id} CONFIRMED`, ms) =>
      waitFor(async () => ((await ctx.statusOf(id)) === 'CONFIRMED' ? true : null), what, ms),
    merchantBalance() {
      // In-process: not a request hiltd's counters would see.
      const { value } = rpc.node.call('getAccountInfo', [merchantAta.toBase58(), { encoding: 'base64' }]);
      return value ? Buffer.from(value.data[0], 'base64').readBigUInt64LE(64) : 0n;
    },
    // Everything a second settlement would change, for every payment of `paid` (all of this product's
    // confirmed payments): one CONFIRMED row each in the trail, one receipt for the landed transaction, a
    // membership of exactly one period, and the chain holding exactly their net amounts.
    async assertSettledOnce(paid) {
      const trail = await hiltd.api('GET', `/v1/products/${ctx.product.product_id}/payments?limit=100`,
                                    undefined, merchant);
      assert.equal(trail.status, 200, trail.text);
      assert.equal(trail.body.has_more, false);
      for (const p of paid) {
        const rows = trail.body.data.filter((row) => row.payment_id === p.id);
        assert.equal(rows.length, 1, `${p.id} once in the trail`);
        assert.equal(rows[0].status, 'CONFIRMED');
        assert.equal(rows[0].tx_signature, p.sig);
        assert.equal(rpc.node.statusOf(p.sig) !== null, true, 'the confirmed transaction is on chain');
        const receipt = await hiltd.api('GET', `/v1/payments/${p.id}/receipt`, undefined, merchant);
        assert.equal(receipt.status, 200, receipt.text);
        assert.equal(receipt.body.tx_signature, p.sig);
        const view = await ctx.get(p.id);
        assert.ok(view.body.membership_id, view.text);
        const membership = await hiltd.api('GET', `/v1/memberships/${view.body.membership_id}`, undefined, merchant);
        assert.equal(membership.status, 200, membership.text);
        const period = Date.parse(membership.body.current_period_end_at) -
                       Date.parse(membership.body.current_period_start_at);
        assert.equal(period, BILLING_DAYS * DAY_MS, 'one period: the payment was not applied twice');
        assert.equal(membership.body.last_payment_id, p.id);
      }
      const confirmedRows = trail.body.data.filter((row) => row.status === 'CONFIRMED');
      assert.equal(confirmedRows.length, paid.length, 'no other payment confirmed');
      assert.equal(ctx.merchantBalance(), NET * BigInt(paid.length), 'the chain holds each net amount once');
    },
  };
  return ctx;
}

// Buyer polls running alongside a test: every answer's HTTP status, payment status and latency.
function startPolling(ctx, ids) {
  const answers = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const id of ids) {
        const started = performance.now();
        const res = await ctx.get(id);
        answers.push({ id, http: res.status, status: res.body?.status, ms: performance.now() - started });
      }
      await sleep(100); // a buyer's poll cadence
    }
  })();
  return {
    answers,
    stop: async () => {
      running = false;
      await loop;
      return answers;
    },
  };
}

const served = (ctx) => ctx.rpc.stats().faultsServed;
const calls = (ctx, method) => ctx.rpc.stats().sinceStart.methods[method] ?? 0;
// Two more watcher ticks over payment `id` (each asks for the statuses of the sent transactions), or the
// payment leaving PENDING_CONFIRMATION, whichever comes first: the caller asserts which.
async function twoTicks(ctx, id, what) {
  const ticks = calls(ctx, 'getSignatureStatuses');
  await waitFor(async () => calls(ctx, 'getSignatureStatuses') >= ticks + 2 ||
                            (await ctx.statusOf(id)) !== 'PENDING_CONFIRMATION', what);
}

test('RPC down for a while: polls answer from the store, broadcast says chain_unavailable, the payment confirms once after',
     async (t) => {
  const ctx = await setup(t);
  const a = await ctx.sent(); // landed (processed), not yet confirmed
  const b = await ctx.signed(); // signed before the outage, broadcast during it
  const polls = startPolling(ctx, [a.id, b.id]);

  // The node goes down: the first request hangs (hiltd's read timeout ends it), every later one is 403.
  ctx.rpc.setFaults({ timeout: 1, forbidden: 1_000_000 });
  ctx.rpc.advance(2); // a is confirmed on chain now, but hiltd cannot read it
  const during = await ctx.broadcast(b);
  assert.equal(during.status, 503, during.text);
  assert.equal(during.body.error.code, 'chain_unavailable');
  const confirmDuring = await ctx.hiltd.api('POST', `/v1/payments/${a.id}/confirm`, {});
  assert.equal(confirmDuring.status, 503, confirmDuring.text);
  assert.equal(confirmDuring.body.error.code, 'chain_unavailable');
  const c = await ctx.hiltd.api('POST', `/v1/products/p/${ctx.product.slug}/connect`, {});
  assert.equal(c.status, 201, 'connect needs no chain');
  // The watcher went through the hung request and at least two more failed ticks.
  await waitFor(() => served(ctx).timeout === 1 && served(ctx).forbidden >= 12, 'the watcher meeting the outage');
  assert.equal(await ctx.statusOf(a.id), 'PENDING_CONFIRMATION');
  assert.equal(await ctx.statusOf(b.id), 'PENDING_SIGNATURE', 'a refused broadcast changes nothing');
  assert.equal(ctx.rpc.node.statusOf(b.sig), null, 'and sends nothing');
  assert.equal((await ctx.hiltd.api('GET', '/v1/health')).status, 200);

  ctx.rpc.setFaults({ forbidden: 0 }); // back
  await ctx.confirmed(a.id);
  const after = await ctx.broadcast(b);
  assert.equal(after.status, 200, after.text);
  ctx.rpc.advance(2);
  await ctx.confirmed(b.id);

  const answers = await polls.stop();
  assert.ok(answers.length >= 20, `polled throughout (${answers.length} answers)`);
  assert.deepEqual(answers.filter((x) => x.http !== 200), [], 'every buyer poll answered 200');
  const slowest = Math.max(...answers.map((x) => x.ms));
  assert.ok(slowest < 2000, `polls never waited on the node (slowest ${slowest.toFixed(0)} ms; a hung RPC is 8 s)`);
  assert.ok(answers.some((x) => x.id === a.id && x.status === 'PENDING_CONFIRMATION'));
  await ctx.assertSettledOnce([a, b]);
});

test('a 429 storm: hiltd slows below its rate cap and the payment confirms after the storm', async (t) => {
  const CAP = 5;
  const STORM = 6; // 429 answers, each with Retry-After: 1
  const ctx = await setup(t, { rate: CAP });
  const a = await ctx.sent();
  await waitFor(() => calls(ctx, 'getSignatureStatuses') >= 1, 'the watcher following a');

  const total = () => ctx.rpc.stats().sinceStart.total;
  const before = total();
  const started = performance.now();
  ctx.rpc.setFaults({ rateLimit: STORM });
  ctx.rpc.advance(2); // confirmable as soon as hiltd may read it
  await waitFor(() => ctx.rpc.faults().rateLimit === 0, 'the storm to be used up', 30_000);
  const seconds = (performance.now() - started) / 1000;
  const requests = total() - before;
  const rate = requests / seconds;
  t.diagnostic(`storm: ${requests} requests in ${seconds.toFixed(2)} s = ${rate.toFixed(2)}/s (cap ${CAP}/s)`);
  assert.equal(served(ctx).rateLimit, STORM);
  // The cap lets up to CAP requests go at once, then CAP a second: over T seconds at most CAP x T + CAP.
  assert.ok(requests <= CAP * seconds + CAP, `at most the cap during the storm: ${rate.toFixed(2)}/s`);
  // Retry-After: 1 is honoured: the storm cannot have been used up faster than one 429 a second, give or
  // take the one request already in flight.
  assert.ok(seconds >= STORM - 2, `the 429s were spread out (${seconds.toFixed(2)} s for ${STORM})`);
  assert.equal(await ctx.statusOf(a.id), 'PENDING_CONFIRMATION', 'a storm fails nothing');

  await ctx.confirmed(a.id);

  // A longer storm while three buyers keep asking for their transactions (each retrying when told
  // chain_unavailable) and the watcher scans: the wait after a 429 holds every thread, so the node still
  // sees no more than the cap.
  const buyers = [];
  for (let i = 0; i < 3; i++) {
    const buyer = Keypair.generate();
    ctx.rpc.airdropSol(buyer.publicKey.toBase58(), 1_000_000_000);
    ctx.rpc.mintUsdc(buyer.publicKey.toBase58(), PRICE);
    const session = await ctx.hiltd.api('POST', `/v1/products/p/${ctx.product.slug}/connect`, {});
    assert.equal(session.status, 201, session.text);
    buyers.push({ id: session.body.payment_id, wallet: buyer.publicKey.toBase58() });
  }
  const LONG_STORM = 15;
  const before2 = total();
  const started2 = performance.now();
  ctx.rpc.setFaults({ rateLimit: LONG_STORM });
  const answers = [];
  const building = Promise.all(buyers.map(async (b) => {
    for (;;) {
      const res = await ctx.hiltd.api('POST', `/v1/payments/${b.id}/transaction`, { buyer_wallet: b.wallet });
      answers.push(res.status);
      if (res.status === 200) return;
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.error.code, 'chain_unavailable');
    }
  }));
  await waitFor(() => ctx.rpc.faults().rateLimit === 0, 'the long storm to be used up', 40_000);
  const seconds2 = (performance.now() - started2) / 1000;
  const requests2 = total() - before2;
  const rate2 = requests2 / seconds2;
  t.diagnostic(`storm with 3 buyers: ${requests2} requests in ${seconds2.toFixed(2)} s = ${rate2.toFixed(2)}/s ` +
               `(cap ${CAP}/s); buyer answers ${JSON.stringify(answers)}`);
  assert.ok(requests2 <= CAP * seconds2 + CAP, `at most the cap during the storm: ${rate2.toFixed(2)}/s`);
  await building; // every buyer gets a transaction once the storm is over
  await ctx.assertSettledOnce([a]);
});

test('malformed answers: hiltd keeps serving and the payment confirms afterwards', async (t) => {
  const ctx = await setup(t);
  const a = await ctx.sent();
  const buyer = Keypair.generate();
  ctx.rpc.airdropSol(buyer.publicKey.toBase58(), 1_000_000_000);
  ctx.rpc.mintUsdc(buyer.publicKey.toBase58(), PRICE);
  const session = await ctx.hiltd.api('POST', `/v1/products/p/${ctx.product.slug}/connect`, {});
  assert.equal(session.status, 201, session.text);

  ctx.rpc.setFaults({ malformed: 9 });
  ctx.rpc.advance(2);
  // Building a transaction needs the node: hiltd retries a garbled answer, or says chain_unavailable.
  const during = await ctx.hiltd.api('POST', `/v1/payments/${session.body.payment_id}/transaction`,
                                     { buyer_wallet: buyer.publicKey.toBase58() });
  if (during.status !== 200) {
    assert.equal(during.status, 503, during.text);
    assert.equal(during.body.error.code, 'chain_unavailable');
  }
  await waitFor(async () => {
    const health = await ctx.hiltd.api('GET', '/v1/health');
    assert.equal(health.status, 200, 'hiltd still answers');
    return ctx.rpc.faults().malformed === 0;
  }, 'the malformed answers to be used up');
  assert.equal(served(ctx).malformed, 9);
  await ctx.confirmed(a.id);

  // The node answers well again: the second buyer pays as usual.
  const built = await ctx.hiltd.api('POST', `/v1/payments/${session.body.payment_id}/transaction`,
                                    { buyer_wallet: buyer.publicKey.toBase58() });
  assert.equal(built.status, 200, built.text);
  const tx = Transaction.from(Buffer.from(built.body.transaction, 'base64'));
  tx.sign(buyer);
  const b = { id: session.body.payment_id, wire: tx.serialize().toString('base64'), sig: bs58.encode(tx.signature) };
  const res = await ctx.broadcast(b);
  assert.equal(res.status, 200, res.text);
  ctx.rpc.advance(2);
  await ctx.confirmed(b.id);
  assert.equal((await ctx.hiltd.api('GET', '/v1/health')).status, 200);
  await ctx.assertSettledOnce([a, b]);
});

test('hiltd SIGKILLed mid-confirmation: after a restart each payment confirms once', async (t) => {
  const ctx = await setup(t);
  const a = await ctx.sent(); // landed, not confirmed
  ctx.rpc.setFaults({ dropNextSend: 1 });
  const b = await ctx.sent(); // accepted and recorded, but lost on the way: not on chain
  assert.equal(ctx.rpc.node.statusOf(b.sig), null);
  assert.equal(ctx.rpc.node.statusOf(a.sig), 'processed');

  await ctx.hiltd.restart('SIGKILL');
  for (const p of [a, b]) {
    const view = await ctx.get(p.id);
    assert.equal(view.body.status, 'PENDING_CONFIRMATION', view.text);
    assert.equal(view.body.tx_signature, p.sig);
  }
  // The restarted watcher sends b again from the store (it kept the signed bytes).
  await waitFor(() => ctx.rpc.node.statusOf(b.sig) !== null, 'b re-sent after the restart');
  ctx.rpc.advance(2);
  await ctx.confirmed(a.id);
  await ctx.confirmed(b.id);
  const receipts = [];
  for (const p of [a, b]) {
    receipts.push((await ctx.hiltd.api('GET', `/v1/payments/${p.id}/receipt`, undefined, ctx.merchant)).body);
  }
  await ctx.assertSettledOnce([a, b]);

  // Killed again once settled: nothing settles a second time. An open session keeps the watcher scanning
  // the merchant's account, which is how its ticks are counted.
  const open = await ctx.hiltd.api('POST', `/v1/products/p/${ctx.product.slug}/connect`, {});
  assert.equal(open.status, 201, open.text);
  await ctx.hiltd.restart('SIGKILL');
  const ticks = calls(ctx, 'getSignaturesForAddress');
  await waitFor(() => calls(ctx, 'getSignaturesForAddress') >= ticks + 2, 'two watcher ticks after the restart');
  for (const [i, p] of [a, b].entries()) {
    const receipt = await ctx.hiltd.api('GET', `/v1/payments/${p.id}/receipt`, undefined, ctx.merchant);
    assert.deepEqual(receipt.body, receipts[i]);
  }
  await ctx.assertSettledOnce([a, b]);
});

test('--commitment finalized: a confirmed transaction stays PENDING_CONFIRMATION until it is finalized',
     async (t) => {
  const FINALIZE = 32; // the adapter's finalizeSlots
  const ctx = await setup(t, { hiltdArgs: ['--commitment', 'finalized'], rpcOptions: { finalizeSlots: FINALIZE } });
  const a = await ctx.sent();
  const stillPending = async (what) => {
    await twoTicks(ctx, a.id, `two watcher ticks (${what})`);
    const confirm = await ctx.hiltd.api('POST', `/v1/payments/${a.id}/confirm`, {});
    assert.equal(confirm.status, 200, confirm.text);
    assert.equal(confirm.body.status, 'PENDING_CONFIRMATION', what);
    assert.equal(await ctx.statusOf(a.id), 'PENDING_CONFIRMATION', what);
  };
  ctx.rpc.advance(1);
  assert.equal(ctx.rpc.node.statusOf(a.sig), 'confirmed');
  await stillPending('confirmed');
  ctx.rpc.advance(FINALIZE - 2); // one slot short of finalized
  assert.equal(ctx.rpc.node.statusOf(a.sig), 'confirmed');
  await stillPending('one slot before finalized');
  ctx.rpc.advance(1);
  assert.equal(ctx.rpc.node.statusOf(a.sig), 'finalized');
  await ctx.confirmed(a.id);
  await ctx.assertSettledOnce([a]);
});

test('a transaction confirmed then dropped by a fork is not settled; hiltd re-sends it and it confirms once',
     async (t) => {
  const ctx = await setup(t, { hiltdArgs: ['--commitment', 'finalized'] });
  ctx.rpc.setFaults({ dropAfterConfirmed: 1, dropWindowSlots: 4 });
  const a = await ctx.sent();
  ctx.rpc.advance(1);
  assert.equal(ctx.rpc.node.statusOf(a.sig), 'confirmed');
  await twoTicks(ctx, a.id, 'the watcher seeing a confirmed');
  assert.equal(await ctx.statusOf(a.id), 'PENDING_CONFIRMATION', 'confirmed is not finalized');
  const sends = calls(ctx, 'sendTransaction');
  ctx.rpc.advance(4); // the fork holding a is abandoned: a is gone, the merchant's account rolled back
  assert.deepEqual(ctx.rpc.stats().droppedSignatures, [a.sig]);
  assert.equal(ctx.merchantBalance(), 0n);
  // hiltd sees a unknown again and sends the same bytes, which land anew.
  await waitFor(() => ctx.rpc.node.statusOf(a.sig) !== null, 'a re-sent after the drop');
  assert.ok(calls(ctx, 'sendTransaction') > sends);
  assert.equal(await ctx.statusOf(a.id), 'PENDING_CONFIRMATION', 'never settled on the dropped one');
  ctx.rpc.advance(32);
  assert.equal(ctx.rpc.node.statusOf(a.sig), 'finalized');
  await ctx.confirmed(a.id);
  await ctx.assertSettledOnce([a]);
});

test('a transaction dropped after confirmation whose blockhash then expires reopens the session; a new one confirms once',
     async (t) => {
  const ctx = await setup(t, { hiltdArgs: ['--commitment', 'finalized'] });
  ctx.rpc.setFaults({ dropAfterConfirmed: 1, dropWindowSlots: 4 });
  const first = await ctx.sent();
  ctx.rpc.advance(1);
  await twoTicks(ctx, first.id, 'the watcher seeing it confirmed');
  assert.equal(await ctx.statusOf(first.id), 'PENDING_CONFIRMATION', 'confirmed is not finalized');
  // The drop and the expiry in one step: hiltd gets no chance to re-send before the blockhash is gone.
  ctx.rpc.advance(4);
  ctx.rpc.setFaults({ expireBlockhashes: true });
  assert.deepEqual(ctx.rpc.stats().droppedSignatures, [first.sig]);
  await waitFor(async () => (await ctx.statusOf(first.id)) === 'PENDING_SIGNATURE', 'the session reopened');
  const reopened = await ctx.get(first.id);
  assert.equal(reopened.body.tx_signature, undefined, reopened.text);
  assert.equal(ctx.rpc.node.statusOf(first.sig), null, 'the expired transaction cannot land again');

  // The same buyer signs a new transaction for the same session.
  const built = await ctx.hiltd.api('POST', `/v1/payments/${first.id}/transaction`,
                                    { buyer_wallet: first.buyer.publicKey.toBase58() });
  assert.equal(built.status, 200, built.text);
  const tx = Transaction.from(Buffer.from(built.body.transaction, 'base64'));
  tx.sign(first.buyer);
  const second = { id: first.id, wire: tx.serialize().toString('base64'), sig: bs58.encode(tx.signature) };
  assert.notEqual(second.sig, first.sig);
  const res = await ctx.broadcast(second);
  assert.equal(res.status, 200, res.text);
  ctx.rpc.advance(33);
  await ctx.confirmed(first.id);
  assert.equal(ctx.rpc.node.statusOf(first.sig), null);
  await ctx.assertSettledOnce([second]);
});
