// tests/e2e/subscriptions.mjs: native subscriptions end to end, defined once and run against each chain
// (subscriptions_sandbox.test.mjs, subscriptions_litesvm.test.mjs): the hiltd binary on its test clock, a
// workspace enabled for subscriptions, AUTOMATIC products in USDC, a buyer (a @solana/web3.js Keypair) whose
// first checkout approves Hilt's renewal delegate, and the renewal worker pulling later periods without the
// buyer. The checkout transaction is decoded with @solana/spl-token (an independent decoder); webhooks arrive
// at tests/support/webhook_receiver.mjs (another process, independent signature checks).
//
// Each journey runs its own hiltd: the test clock belongs to the process, so one journey's clock moves would
// renew, fail or lapse another journey's memberships, and the restart journey resets it. The chain (LiteSVM)
// and the webhook receiver are shared by the file; every journey uses fresh wallets and its own endpoint.
//
// Reading the chain: on LiteSVM the buyer's token account, balances and the renewal transactions are read
// independently through the adapter's JSON-RPC with web3.js and spl-token's getAccount. The sandbox chain lives
// inside hiltd and has no read route, so there the same facts are read through hiltd's public checkout routes
// (`sandboxLedger` below: a probe product priced above any balance makes /transaction answer
// `insufficient_funds` with the balance; a 1-unit AUTOMATIC probe answers `approval` with the allowance the
// account gives Hilt's delegate). Those probes live in a separate workspace so that their sessions add no
// events to the journey's.
// Must never: tell the two chains apart except through the ledger objects below and chains.mjs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import web3 from '@solana/web3.js';
import * as spl from '@solana/spl-token';
import { hiltdPath, startHiltd, waitFor } from './hiltd.mjs';
import { startChain } from './chains.mjs';
import { startWebhookReceiver } from '../support/webhook_receiver.mjs';

const { Keypair, Transaction, PublicKey, Connection, ComputeBudgetProgram } = web3;

const PRICE = 5_000_000n; // 5.00 USDC
const FEE_BPS = 250n;
const feeOf = (price) => (price * FEE_BPS) / 10_000n; // floor, as the fee rule says
const netOf = (price) => price - feeOf(price);
const PERIODS = 12n; // --renewal-allowance default
const HOUR = 3_600;
const DAY = 86_400;
const INTERVAL_DAYS = 30;
const GRACE_DAYS = 3;
const INTERVAL = INTERVAL_DAYS * DAY;
const SOL = 1_000_000_000;
const MAX_AMOUNT = 9_007_199_254_740_991n; // 2^53 - 1, the largest price a product may have
const SOL_MINT = 'So11111111111111111111111111111111111111112';
const APPROVE_CHECKED = 13; // SPL Token instruction tags
const REVOKE = 5;
const TRANSFER_CHECKED = 12;
const EVENT_TYPES = ['payment.confirmed', 'payment.failed', 'receipt.created', 'membership.activated',
                     'membership.renewed', 'membership.renewal_failed', 'membership.allowance_low',
                     'membership.grace_started', 'membership.expired', 'membership.cancelled'];

const seconds = (timestamp) => {
  const ms = Date.parse(timestamp);
  assert.ok(Number.isFinite(ms), `not a timestamp: ${timestamp}`);
  return Math.round(ms / 1000);
};

// "12.345678" (hiltd's exact display text) -> 12345678n at `decimals`.
function minorUnits(text, decimals) {
  const [whole, fraction = ''] = text.split('.');
  assert.ok(fraction.length <= decimals, text);
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
}

export async function defineSubscriptionJourneys(kind) {
const chain = await startChain(kind);
const receiver = await startWebhookReceiver();
const connection = chain.rpc ? new Connection(chain.rpc.url, 'confirmed') : null;
after(async () => {
  await receiver.stop();
  await chain.stop();
});
let journeys = 0;

// One journey's world: its own hiltd (test clock; `args` added to its command line) with an enabled workspace,
// a webhook endpoint for every subscription event, the renewal delegate (funded on LiteSVM), and the helpers
// the scenarios share.
async function world(t, args = [], { fundDelegate = true } = {}) {
  const n = ++journeys;
  const hiltd = await startHiltd(['--fee-bps', String(FEE_BPS), '--webhook-urls', 'loopback',
                                  '--public-rate-limit', '0', ...chain.hiltdArgs,
                                  ...(chain.rpc ? ['--test-clock'] : []), ...args]);
  t.after(() => hiltd.cleanup());
  const createWorkspace = (name) => {
    const out = execFileSync(hiltdPath, ['merchant', 'create', '--name', name, '--subscriptions', '--db', hiltd.db],
                             { encoding: 'utf8' });
    const key = /api_key: (hk_\S+)/.exec(out)?.[1];
    assert.ok(key, `no api key in: ${out}`);
    return { 'x-hilt-key': key };
  };
  const merchant = createWorkspace(`Renewals Guild ${n}`);
  const delegate = /renewal delegate \(pays renewal fees\): (\w+)/.exec(hiltd.output())?.[1];
  assert.ok(delegate, `hiltd printed no renewal delegate:\n${hiltd.output()}`);
  if (chain.rpc && fundDelegate) chain.rpc.airdropSol(delegate, SOL); // on a real chain someone funds the fee payer

  const hook = `${kind}-journey-${n}`;
  const publicKey = (await hiltd.api('GET', '/.well-known/hilt/webhook-key')).body.public_key;
  const endpoint = await hiltd.api('POST', '/v1/webhook-endpoints', { url: receiver.url(hook), events: EVENT_TYPES },
                                   merchant);
  assert.equal(endpoint.status, 201, endpoint.text);
  await receiver.configure(hook, { secrets: [endpoint.body.secret], public_key: publicKey });

  const w = { hiltd, merchant, delegate, hook };

  w.product = async (price = PRICE, merchantWallet = Keypair.generate().publicKey) => {
    const res = await hiltd.api('POST', '/v1/products', {
      product_type: 'PAYMENT_LINK',
      title: 'Monthly renewals pass',
      amount_minor_units: Number(price),
      merchant_wallet: merchantWallet.toBase58(),
      delivery_type: 'INVITE_LINK',
      delivery_value: 'https://discord.gg/renewals',
      membership_config: { enabled: true, platform: 'WEB', identity_type: 'WALLET', renewal_mode: 'AUTOMATIC',
                           billing_interval_days: INTERVAL_DAYS, grace_period_days: GRACE_DAYS },
    }, merchant);
    assert.equal(res.status, 201, res.text);
    return { ...res.body, price, merchantWallet };
  };

  w.buyer = async (usdc) => {
    const buyer = Keypair.generate();
    await chain.fund(hiltd, buyer.publicKey.toBase58(), { lamports: SOL, usdc: Number(usdc) });
    return buyer;
  };
  w.fund = (wallet, usdc) => chain.fund(hiltd, wallet.toBase58(), { usdc: Number(usdc) });

  // connect + /transaction for `buyer`: the answer and the web3.js-parsed transaction, unsigned.
  w.checkout = async (product, buyer) => {
    const session = await hiltd.api('POST', `/v1/products/p/${product.slug}/connect`, {});
    assert.equal(session.status, 201, session.text);
    const built = await hiltd.api('POST', `/v1/payments/${session.body.payment_id}/transaction`,
                                  { buyer_wallet: buyer.publicKey.toBase58() });
    assert.equal(built.status, 200, built.text);
    return { session: session.body, paymentId: session.body.payment_id, built: built.body,
             tx: Transaction.from(Buffer.from(built.body.transaction, 'base64')) };
  };
  // Signs with web3.js, broadcasts through hiltd, confirms; returns the membership as the merchant reads it.
  w.pay = async ({ paymentId, tx }, buyer) => {
    tx.sign(buyer);
    const sent = await hiltd.api('POST', `/v1/payments/${paymentId}/broadcast`,
                                 { signed_transaction: tx.serialize().toString('base64') });
    assert.equal(sent.status, 200, sent.text);
    const done = await waitFor(async () => {
      const res = await hiltd.api('POST', `/v1/payments/${paymentId}/confirm`, {});
      assert.equal(res.status, 200, res.text);
      return res.body.status === 'CONFIRMED' ? res.body : null;
    }, `confirmation of ${paymentId}`);
    assert.equal(done.membership_status, 'ACTIVE');
    return w.membership(done.membership_id);
  };
  w.subscribe = async (product, buyer) => w.pay(await w.checkout(product, buyer), buyer);

  w.membership = async (id) => {
    const res = await hiltd.api('GET', `/v1/memberships/${id}`, undefined, merchant);
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  w.waitMembership = (id, accept, what, timeoutMs) => waitFor(async () => {
    const m = await w.membership(id);
    return accept(m) ? m : null;
  }, `${what} (membership ${id})`, timeoutMs);

  // hiltd's own time, and moving it to `unixSeconds` or later (its test clock only moves forward).
  w.now = async () => {
    const res = await hiltd.api('GET', '/v1/health');
    assert.equal(res.status, 200, res.text);
    return Date.parse(res.body.time) / 1000;
  };
  w.advanceTo = async (unixSeconds) => {
    const advance = Math.max(1, Math.ceil(unixSeconds - (await w.now())));
    const res = await hiltd.api('POST', '/v1/sandbox/clock', { advance_seconds: advance }, merchant);
    assert.equal(res.status, 200, res.text);
    assert.ok(seconds(res.body.now) >= unixSeconds, `the clock reached ${res.body.now}`);
    return seconds(res.body.now);
  };

  // Every event of this workspace (hiltd's own record, newest first).
  w.events = async (type) => {
    const all = [];
    let cursor = '';
    for (;;) {
      const res = await hiltd.api('GET', `/v1/events?limit=100${type ? `&type=${type}` : ''}${cursor}`, undefined,
                                  merchant);
      assert.equal(res.status, 200, res.text);
      all.push(...res.body.data);
      if (!res.body.has_more) return all;
      cursor = `&starting_after=${all.at(-1).id}`;
    }
  };
  // The deliveries this journey's endpoint received, parsed; `match(event)` filters.
  w.hooks = async (match = () => true) => (await receiver.log())
    .filter((d) => d.name === hook)
    .map((d) => ({ ...d, event: JSON.parse(d.body) }))
    .filter((d) => match(d.event));
  w.waitHooks = (match, count, what) => waitFor(async () => {
    const got = await w.hooks(match);
    assert.ok(got.length <= count, `${what}: ${got.length} deliveries, expected ${count}`);
    return got.length === count ? got : null;
  }, `${count} × ${what} at the webhook receiver`);
  // Every event hiltd recorded arrived exactly once at the endpoint, signed (v1 and v1a), and nothing else did;
  // each delivery is DELIVERED after one attempt.
  w.assertWebhooksOnce = async () => {
    const events = await w.events();
    const log = await waitFor(async () => {
      const got = await w.hooks();
      return events.every((e) => got.some((d) => d.id === e.id)) ? got : null;
    }, 'every event at the webhook receiver');
    for (const event of events) {
      const got = log.filter((d) => d.id === event.id);
      assert.equal(got.length, 1, `${event.type} ${event.id} delivered once`);
      assert.deepEqual(got[0].event, event);
      assert.equal(got[0].v1, 0, `v1 of ${event.type} verifies`);
      assert.equal(got[0].v1a, true, `v1a of ${event.type} verifies`);
    }
    assert.equal(log.length, events.length, 'no delivery of an event hiltd did not record');
    for (const event of events) {
      // The receiver can log a delivery before hiltd has recorded its answer: wait until it is not PENDING.
      const deliveries = await waitFor(async () => {
        const res = await hiltd.api('GET', `/v1/events/${event.id}/deliveries`, undefined, merchant);
        assert.equal(res.status, 200, res.text);
        return res.body.data.every((d) => d.status !== 'PENDING') ? res.body.data : null;
      }, `hiltd recording the delivery of ${event.type} ${event.id}`);
      assert.equal(deliveries.length, 1);
      const [delivery] = deliveries;
      assert.equal(delivery.status, 'DELIVERED');
      assert.equal(delivery.attempt_count, 1, `${event.type} needed one attempt`);
    }
    return events;
  };
  const ofMembership = (id) => (e) => e.type.startsWith('membership.') && e.data.membership_id === id;
  w.membershipEvents = async (id) => {
    const counts = {};
    for (const e of (await w.events()).filter(ofMembership(id))) counts[e.type] = (counts[e.type] ?? 0) + 1;
    return counts;
  };
  w.ofMembership = ofMembership;

  // The renewal payments of `product` (GET /v1/products/{id}/payments), newest first.
  w.payments = async (product) => {
    const res = await hiltd.api('GET', `/v1/products/${product.product_id}/payments?limit=100`, undefined, merchant);
    assert.equal(res.status, 200, res.text);
    return res.body.data;
  };

  w.ledger = chain.rpc ? rpcLedger(chain.rpc) : sandboxLedger(hiltd, createWorkspace('Ledger probes'), merchant);
  return w;
}

// ---- reading the chain -------------------------------------------------------------------------------------

// LiteSVM: read independently over JSON-RPC (web3.js, spl-token), send as the wallet itself.
function rpcLedger(rpc) {
  const tokenAccount = async (owner) => {
    const ata = spl.getAssociatedTokenAddressSync(new PublicKey(rpc.usdcMint), owner);
    try {
      return await spl.getAccount(connection, ata, 'confirmed');
    } catch (e) {
      if (e instanceof spl.TokenAccountNotFoundError) return null;
      throw e;
    }
  };
  return {
    independent: true,
    usdc: async (owner) => (await tokenAccount(owner))?.amount ?? 0n,
    lamports: async (owner) => BigInt(await connection.getBalance(owner, 'confirmed')),
    // {delegate (base58 or null), delegatedAmount}
    delegation: async (owner) => {
      const account = await tokenAccount(owner);
      assert.ok(account, `${owner.toBase58()} has a USDC account`);
      return { delegate: account.delegate?.toBase58() ?? null, delegatedAmount: account.delegatedAmount };
    },
    // What a wallet does: sign and send to the cluster, and wait until it is confirmed.
    send: async (signer, instructions) => {
      const { blockhash } = await connection.getLatestBlockhash('confirmed');
      const tx = new Transaction({ feePayer: signer.publicKey, recentBlockhash: blockhash }).add(...instructions);
      tx.sign(signer);
      const signature = await connection.sendRawTransaction(tx.serialize());
      await waitFor(async () => {
        const { value: [status] } = await connection.getSignatureStatuses([signature]);
        if (status?.err) throw new Error(`${signature} failed: ${JSON.stringify(status.err)}`);
        return status && status.confirmationStatus !== 'processed';
      }, `confirmation of the wallet's ${signature}`);
      return signature;
    },
    // Everything sent so far is visible at the commitment hiltd reads accounts at (two slots on).
    settled: async () => {
      const slot = BigInt(rpc.slot());
      await waitFor(() => BigInt(rpc.slot()) >= slot + 2n, 'two LiteSVM slots');
    },
    // The renewal transaction as the cluster has it: fee payer and signers.
    transaction: async (signature) => {
      const tx = await connection.getTransaction(signature, { commitment: 'confirmed',
                                                              maxSupportedTransactionVersion: 0 });
      assert.ok(tx, `${signature} is on chain`);
      assert.equal(tx.meta.err, null);
      const keys = tx.transaction.message.staticAccountKeys ?? tx.transaction.message.accountKeys;
      const signers = keys.slice(0, tx.transaction.message.header.numRequiredSignatures).map((k) => k.toBase58());
      return { feePayer: keys[0].toBase58(), signers };
    },
  };
}

// The sandbox: no read route, so hiltd's own checkout answers are the view (see the header). `probes` is the
// probe workspace's key; `merchant` the journey's (for the slot, through the fault switch with no fault).
function sandboxLedger(hiltd, probes, merchant) {
  const made = {};
  const probeProduct = async (name, body) => {
    if (!made[name]) {
      const res = await hiltd.api('POST', '/v1/products', {
        product_type: 'PAYMENT_LINK', title: `Ledger probe ${name}`,
        merchant_wallet: Keypair.generate().publicKey.toBase58(), delivery_type: 'NONE', ...body,
      }, probes);
      assert.equal(res.status, 201, res.text);
      made[name] = res.body;
    }
    return made[name];
  };
  const probe = async (name, body, owner) => {
    const product = await probeProduct(name, body);
    const session = await hiltd.api('POST', `/v1/products/p/${product.slug}/connect`, {});
    assert.equal(session.status, 201, session.text);
    return hiltd.api('POST', `/v1/payments/${session.body.payment_id}/transaction`, { buyer_wallet: owner.toBase58() });
  };
  // A price above any balance: the answer names what the wallet holds.
  const held = async (name, body, owner, pattern, decimals) => {
    const res = await probe(name, { amount_minor_units: Number(MAX_AMOUNT), ...body }, owner);
    assert.equal(res.status, 422, res.text);
    assert.equal(res.body.error.code, 'insufficient_funds', res.text);
    const found = pattern.exec(res.body.error.message);
    assert.ok(found, `no balance in: ${res.body.error.message}`);
    return decimals === null ? BigInt(found[1]) : minorUnits(found[1], decimals);
  };
  const slot = async () => {
    const res = await hiltd.api('POST', '/v1/sandbox/faults', {}, merchant);
    assert.equal(res.status, 200, res.text);
    return res.body.slot;
  };
  const settled = async () => {
    const start = await slot();
    await waitFor(async () => (await slot()) >= start + 2, 'two sandbox slots');
  };
  // A 1-unit AUTOMATIC product: its approval states what the account already allows Hilt's delegate.
  const approvalOf = async (owner) => {
    const res = await probe('allowance', {
      amount_minor_units: 1,
      membership_config: { enabled: true, platform: 'WEB', identity_type: 'WALLET', renewal_mode: 'AUTOMATIC',
                           billing_interval_days: INTERVAL_DAYS, grace_period_days: GRACE_DAYS },
    }, owner);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.approval, res.text);
    return res.body;
  };
  return {
    independent: false,
    usdc: (owner) => held('usdc', {}, owner, /holds ([\d.]+) USDC/, 6),
    lamports: (owner) => held('sol', { token_mint: SOL_MINT }, owner, /holds (\d+) lamports/, null),
    // Hilt's delegate and its allowance, another delegate (amount unknown), or none (null, 0).
    delegation: async (owner) => {
      const { approval } = await approvalOf(owner);
      if (approval.replaces_delegate) return { delegate: approval.replaces_delegate, delegatedAmount: null };
      const amount = BigInt(approval.existing_allowance_minor_units);
      return { delegate: amount > 0n ? approval.delegate : null, delegatedAmount: amount };
    },
    send: async (signer, instructions) => {
      const { recent_blockhash: blockhash } = await approvalOf(signer.publicKey);
      const tx = new Transaction({ feePayer: signer.publicKey, recentBlockhash: blockhash }).add(...instructions);
      tx.sign(signer);
      const res = await hiltd.api('POST', '/v1/sandbox/send-transaction',
                                  { transaction: tx.serialize().toString('base64') });
      assert.equal(res.status, 200, res.text);
      await settled();
      return res.body.signature;
    },
    settled,
    transaction: null,
  };
}

// Decodes the checkout transaction with spl-token: its one ApproveChecked and its TransferChecked amounts.
function readCheckout(tx) {
  const approvals = [];
  const transfers = [];
  for (const ix of tx.instructions) {
    if (!ix.programId.equals(spl.TOKEN_PROGRAM_ID)) continue;
    if (ix.data[0] === APPROVE_CHECKED) approvals.push(spl.decodeApproveCheckedInstruction(ix));
    else if (ix.data[0] === TRANSFER_CHECKED) transfers.push(spl.decodeTransferCheckedInstruction(ix));
    else assert.fail(`unexpected token instruction ${ix.data[0]}`);
  }
  return { approvals, transfers };
}

const renewed = (count) => (m) => m.renewal_count === count;
const failedWith = (reason, attempt) => (m) => m.subscription?.last_failure?.reason === reason &&
  (attempt === undefined || m.subscription.last_failure.attempt === attempt);

// ---- the journeys ------------------------------------------------------------------------------------------

test('subscribe: the checkout approves the delegate for 12 periods, the token account records it', async (t) => {
  const w = await world(t);
  const product = await w.product();
  const buyer = await w.buyer(3n * PRICE);
  const checkout = await w.checkout(product, buyer);
  const usdc = new PublicKey(checkout.session.token_mint);
  const buyerAta = spl.getAssociatedTokenAddressSync(usdc, buyer.publicKey);

  // What the page states before the buyer signs.
  assert.deepEqual(checkout.built.approval, {
    delegate: w.delegate, allowance_minor_units: Number(PERIODS * PRICE), allowance_periods: Number(PERIODS),
    existing_allowance_minor_units: 0,
  });
  // What the transaction does, read with spl-token's decoders.
  assert.ok(checkout.tx.feePayer.equals(buyer.publicKey));
  const { approvals, transfers } = readCheckout(checkout.tx);
  assert.equal(approvals.length, 1, 'exactly one approval');
  const [approve] = approvals;
  assert.ok(approve.keys.account.pubkey.equals(buyerAta), 'the buyer\'s USDC account');
  assert.ok(approve.keys.mint.pubkey.equals(usdc));
  assert.equal(approve.keys.delegate.pubkey.toBase58(), w.delegate);
  assert.ok(approve.keys.owner.pubkey.equals(buyer.publicKey), 'owner = buyer');
  assert.ok(approve.keys.owner.isSigner);
  assert.equal(approve.data.amount, PERIODS * PRICE);
  assert.equal(approve.data.decimals, 6);
  assert.deepEqual(transfers.map((x) => x.data.amount), [netOf(PRICE), feeOf(PRICE)]);
  for (const transfer of transfers) assert.ok(transfer.keys.source.pubkey.equals(buyerAta));
  // The approval comes after the fee transfer, as documented.
  const order = checkout.tx.instructions.filter((ix) => ix.programId.equals(spl.TOKEN_PROGRAM_ID))
    .map((ix) => ix.data[0]);
  assert.deepEqual(order, [TRANSFER_CHECKED, TRANSFER_CHECKED, APPROVE_CHECKED]);
  assert.ok(checkout.tx.instructions.some((ix) => ix.programId.equals(ComputeBudgetProgram.programId)));

  const m = await w.pay(checkout, buyer);
  assert.equal(m.status, 'ACTIVE');
  assert.equal(m.renewal_mode, 'AUTOMATIC');
  assert.equal(m.renewal_count, 0);
  assert.equal(m.buyer_wallet, buyer.publicKey.toBase58());
  assert.deepEqual(m.subscription, {
    token_account: buyerAta.toBase58(), token_mint: usdc.toBase58(), delegate: w.delegate,
    amount_minor_units: Number(PRICE), allowance_minor_units: Number(PERIODS * PRICE),
    allowance_periods: Number(PERIODS), approved: true,
  });
  const end = seconds(m.current_period_end_at);
  assert.equal(end - seconds(m.current_period_start_at), INTERVAL);
  assert.equal(seconds(m.next_renewal_at), end - HOUR, 'the first pull is due an hour before the period ends');

  // The chain agrees: the delegate may spend 12 prices of the buyer's account, which paid one.
  assert.deepEqual(await w.ledger.delegation(buyer.publicKey),
                   { delegate: w.delegate, delegatedAmount: PERIODS * PRICE });
  assert.equal(await w.ledger.usdc(buyer.publicKey), 2n * PRICE);
  assert.equal(await w.ledger.usdc(product.merchantWallet), netOf(PRICE));

  await w.waitHooks(w.ofMembership(m.membership_id), 1, 'membership.activated');
  const events = await w.assertWebhooksOnce();
  assert.deepEqual(events.map((e) => e.type).sort(),
                   ['membership.activated', 'payment.confirmed', 'receipt.created']);
});

test('three periods renew as the delegate: balances, allowance, schedule, one membership.renewed each, and ' +
     'one membership.allowance_low when the allowance runs low', async (t) => {
  const approved = 3n; // periods: the second renewal leaves one covered
  const w = await world(t, ['--renewal-allowance', String(approved)]);
  const product = await w.product();
  const buyer = await w.buyer(5n * PRICE);
  const first = await w.subscribe(product, buyer);
  const id = first.membership_id;
  assert.equal(first.subscription.allowance_minor_units, Number(approved * PRICE));
  const allowanceLow = (e) => e.type === 'membership.allowance_low' && e.data.membership_id === id;
  const firstEnd = seconds(first.current_period_end_at);
  const lamports = await w.ledger.lamports(buyer.publicKey);
  assert.equal(await w.ledger.usdc(buyer.publicKey), 4n * PRICE);
  assert.equal(await w.ledger.usdc(product.merchantWallet), netOf(PRICE));

  let before = first;
  for (let k = 1; k <= 3; k++) {
    assert.equal(before.renewal_count, k - 1, 'nothing is pulled before next_renewal_at');
    await w.advanceTo(seconds(before.next_renewal_at));
    const after = await w.waitMembership(id, renewed(k), `renewal ${k}`);
    assert.equal(after.status, 'ACTIVE');
    assert.equal(seconds(after.current_period_end_at), firstEnd + k * INTERVAL, `period ${k} anchored`);
    assert.equal(seconds(after.next_renewal_at), firstEnd + k * INTERVAL - HOUR);
    assert.equal(after.current_period_start_at, first.current_period_start_at);
    assert.notEqual(after.last_payment_id, before.last_payment_id);
    assert.equal(after.subscription.last_failure, undefined);
    const payment = await w.hiltd.api('GET', `/v1/payments/${after.last_payment_id}`);
    assert.equal(payment.body.status, 'CONFIRMED');
    assert.equal(payment.body.amount_minor_units, Number(PRICE));
    if (w.ledger.transaction) {
      // The cluster's own record: the delegate signed and paid the fee, the buyer did not sign.
      const landed = await w.ledger.transaction(payment.body.tx_signature);
      assert.equal(landed.feePayer, w.delegate);
      assert.deepEqual(landed.signers, [w.delegate]);
    }
    const receipt = await w.hiltd.api('GET', `/v1/payments/${after.last_payment_id}/receipt`, undefined, w.merchant);
    assert.equal(receipt.status, 200, receipt.text);
    assert.equal(receipt.body.buyer_wallet, buyer.publicKey.toBase58());
    if (k === 2) {
      // Two periods covered before this pull, one after: the merchant is warned, with what the token account
      // still allows the delegate (on LiteSVM read by spl-token's getAccount).
      const [low] = await w.waitHooks(allowanceLow, 1, 'membership.allowance_low');
      const { delegate, delegatedAmount } = await w.ledger.delegation(buyer.publicKey);
      assert.equal(delegate, w.delegate);
      assert.equal(delegatedAmount, PRICE);
      assert.deepEqual(low.event.data.allowance, { delegated_minor_units: Number(delegatedAmount),
                                                   renewals_covered: Number(delegatedAmount / PRICE) });
      assert.equal(low.event.data.renewal_count, 2);
      assert.equal(low.event.data.next_renewal_at, after.next_renewal_at);
    }
    before = after;
  }

  assert.equal(await w.ledger.usdc(product.merchantWallet), 4n * netOf(PRICE), 'the merchant got 3 × net more');
  assert.equal(await w.ledger.usdc(buyer.publicKey), PRICE, 'the buyer paid 3 × price more');
  assert.deepEqual(await w.ledger.delegation(buyer.publicKey), { delegate: null, delegatedAmount: 0n },
                   'the third pull used the allowance up, and the Token program cleared the delegate');
  assert.equal(await w.ledger.lamports(buyer.publicKey), lamports, 'Hilt paid the renewals\' network fees');

  const renewals = await w.waitHooks((e) => e.type === 'membership.renewed' && e.data.membership_id === id, 3,
                                     'membership.renewed');
  assert.deepEqual(renewals.map((d) => d.event.data.renewal_count).sort(), [1, 2, 3]);
  const events = await w.assertWebhooksOnce();
  const count = (type) => events.filter((e) => e.type === type).length;
  assert.equal(count('membership.activated'), 1);
  assert.equal(count('membership.renewed'), 3);
  assert.equal(count('payment.confirmed'), 4);
  assert.equal(count('receipt.created'), 4);
  assert.equal(count('membership.renewal_failed'), 0);
  assert.equal(count('membership.allowance_low'), 1, 'the third pull, from one period to none, warns no more');
});

test('a renewal without funds fails into grace; topped up, the retry renews on the anchored schedule', async (t) => {
  const w = await world(t);
  const product = await w.product();
  const buyer = await w.buyer(PRICE + PRICE / 2n); // one period, then half of one
  const m0 = await w.subscribe(product, buyer);
  const id = m0.membership_id;
  const end = seconds(m0.current_period_end_at);

  const due = seconds(m0.next_renewal_at);
  await w.advanceTo(due);
  let m = await w.waitMembership(id, failedWith('INSUFFICIENT_FUNDS', 1), 'the first attempt failing');
  assert.equal(m.status, 'ACTIVE');
  // Tried when due or up to a few seconds after (hiltd's clock runs on between the advance and the pass), and
  // retried an hour after that: when the period ends, or those few seconds after it.
  const failedAt = seconds(m.subscription.last_failure.failed_at);
  assert.ok(failedAt >= due && failedAt <= due + 5, `tried at ${failedAt}, due at ${due}`);
  assert.equal(seconds(m.subscription.last_failure.next_attempt_at), failedAt + HOUR, 'retried an hour later');
  assert.equal(seconds(m.next_renewal_at), failedAt + HOUR);
  assert.equal(due, end - HOUR);
  assert.equal(m.renewal_count, 0);
  const [failed] = await w.waitHooks((e) => e.type === 'membership.renewal_failed' && e.data.membership_id === id, 1,
                                     'membership.renewal_failed');
  assert.equal(failed.event.data.subscription.last_failure.reason, 'INSUFFICIENT_FUNDS');
  assert.equal(await w.ledger.usdc(buyer.publicKey), PRICE / 2n, 'nothing was pulled');

  // The period ends unpaid: grace, and the retry at the period end fails too.
  await w.advanceTo(end + 60);
  m = await w.waitMembership(id, failedWith('INSUFFICIENT_FUNDS', 2), 'the retry at the period end failing');
  assert.equal(m.status, 'GRACE');
  assert.equal(seconds(m.grace_period_end_at), end + GRACE_DAYS * DAY);
  await w.waitHooks((e) => e.type === 'membership.grace_started' && e.data.membership_id === id, 1,
                    'membership.grace_started');
  assert.equal((await w.membershipEvents(id))['membership.renewal_failed'], 1, 'announced once per period');

  // The buyer tops up; the next retry goes through and ends period 1 where the schedule says.
  await w.fund(buyer.publicKey, PRICE);
  await w.ledger.settled();
  await w.advanceTo(seconds(m.next_renewal_at));
  m = await w.waitMembership(id, renewed(1), 'the retry renewing');
  assert.equal(m.status, 'ACTIVE');
  assert.equal(seconds(m.current_period_end_at), end + INTERVAL, 'anchored to the schedule, not to now');
  assert.equal(seconds(m.next_renewal_at), end + INTERVAL - HOUR);
  assert.equal(m.subscription.last_failure, undefined);
  assert.equal(await w.ledger.usdc(buyer.publicKey), PRICE / 2n);
  assert.equal(await w.ledger.usdc(product.merchantWallet), 2n * netOf(PRICE));

  await w.waitHooks((e) => e.type === 'membership.renewed' && e.data.membership_id === id, 1, 'membership.renewed');
  await w.assertWebhooksOnce();
  assert.deepEqual(await w.membershipEvents(id), {
    'membership.activated': 1, 'membership.renewal_failed': 1, 'membership.grace_started': 1,
    'membership.renewed': 1,
  });
});

test('a renewal that never goes through lapses at the end of grace and is never pulled again', async (t) => {
  const w = await world(t);
  const product = await w.product();
  const buyer = await w.buyer(PRICE); // exactly the first period
  const m0 = await w.subscribe(product, buyer);
  const id = m0.membership_id;
  const end = seconds(m0.current_period_end_at);
  // A second subscriber who can pay: its renewals show that the worker ran after each clock move.
  const control = await w.subscribe(product, await w.buyer(10n * PRICE));

  const graceEnd = seconds(m0.grace_period_end_at);
  assert.equal(graceEnd, end + GRACE_DAYS * DAY);
  // The documented retry schedule: 1 h before the end, then 1 h, 6 h, daily, the last one no later than
  // 5 minutes before grace ends, then none.
  const expected = [
    { at: end - HOUR, next: end },
    { at: end, next: end + 6 * HOUR },
    { at: end + 6 * HOUR, next: end + 30 * HOUR },
    { at: end + 30 * HOUR, next: end + 54 * HOUR },
    { at: end + 54 * HOUR, next: graceEnd - 300 },
    { at: graceEnd - 300, next: undefined },
  ];
  let m = m0;
  let graceAnnounced = false;
  const seen = [];
  while (m.next_renewal_at && seconds(m.next_renewal_at) < graceEnd) {
    const attempt = m.subscription.last_failure?.attempt ?? 0;
    assert.ok(attempt < expected.length, `retries end after ${expected.length} attempts`);
    await w.advanceTo(seconds(m.next_renewal_at));
    m = await w.waitMembership(id, (x) => (x.subscription.last_failure?.attempt ?? 0) > attempt,
                               `attempt ${attempt + 1} failing`);
    const failure = m.subscription.last_failure;
    assert.equal(failure.attempt, attempt + 1);
    assert.equal(failure.reason, 'INSUFFICIENT_FUNDS');
    seen.push({ at: seconds(failure.failed_at),
                next: failure.next_attempt_at === undefined ? undefined : seconds(failure.next_attempt_at) });
    if (m.status === 'GRACE' && !graceAnnounced) {
      // Hours pass between retries; the watcher (every second) announces grace meanwhile. The clock route
      // does not wake it, so the journey waits for it as real time would.
      await w.waitHooks((e) => e.type === 'membership.grace_started' && e.data.membership_id === id, 1,
                        'membership.grace_started');
      graceAnnounced = true;
    }
  }
  assert.ok(graceAnnounced, 'a retry ran in grace');
  assert.equal(seen.length, expected.length, JSON.stringify(seen));
  seen.forEach((got, i) => {
    // The clock lands on a due time or up to a few seconds after it; the next retry follows from then.
    assert.ok(got.at >= expected[i].at && got.at <= expected[i].at + 5, `attempt ${i + 1} at ${got.at}`);
    const want = expected[i].next === undefined || i === expected.length - 2 ? expected[i].next
      : got.at + (expected[i].next - expected[i].at);
    assert.equal(got.next, want, `attempt ${i + 1}: the next retry`);
  });
  assert.equal(m.next_renewal_at, undefined, 'no retry after the last one');
  assert.ok(await w.now() < graceEnd, 'the retries stop before grace ends');
  assert.equal(m.status, 'GRACE');

  await w.advanceTo(graceEnd + 1);
  m = await w.waitMembership(id, (x) => x.status === 'EXPIRED', 'expiry');
  assert.equal(m.next_renewal_at, undefined);
  assert.equal(m.renewal_count, 0);
  await w.waitHooks((e) => e.type === 'membership.expired' && e.data.membership_id === id, 1, 'membership.expired');
  // The period's renewal payment is abandoned with the grace period.
  const renewal = (await w.payments(product)).filter((p) => p.buyer_wallet === buyer.publicKey.toBase58() &&
                                                            p.payment_id !== m0.last_payment_id);
  assert.equal(renewal.length, 1, JSON.stringify(renewal));
  await w.waitHooks((e) => e.type === 'payment.failed' && e.data.payment_id === renewal[0].payment_id, 1,
                    'payment.failed of the abandoned renewal');
  assert.equal((await w.hiltd.api('GET', `/v1/payments/${renewal[0].payment_id}`)).body.status, 'FAILED');

  // Lapsed: the buyer has money again, a period later the worker renews the other subscriber, not this one.
  await w.fund(buyer.publicKey, 10n * PRICE);
  await w.ledger.settled();
  const c = await w.membership(control.membership_id);
  await w.advanceTo(seconds(c.next_renewal_at) + DAY);
  await w.waitMembership(control.membership_id, renewed(c.renewal_count + 1), 'the other subscriber renewing');
  m = await w.membership(id);
  assert.equal(m.status, 'EXPIRED');
  assert.equal(m.renewal_count, 0);
  assert.equal(m.next_renewal_at, undefined);
  assert.equal(await w.ledger.usdc(buyer.publicKey), 10n * PRICE, 'never pulled again');
  assert.deepEqual(await w.ledger.delegation(buyer.publicKey),
                   { delegate: w.delegate, delegatedAmount: PERIODS * PRICE }, 'the allowance is untouched');

  await w.assertWebhooksOnce();
  assert.deepEqual(await w.membershipEvents(id), {
    'membership.activated': 1, 'membership.renewal_failed': 1, 'membership.grace_started': 1,
    'membership.expired': 1,
  });
});

test('a buyer who revoked the delegation is not charged, and the reason is DELEGATE_REVOKED', async (t) => {
  const w = await world(t);
  const product = await w.product();
  const buyer = await w.buyer(3n * PRICE);
  const m0 = await w.subscribe(product, buyer);
  const id = m0.membership_id;
  const ata = new PublicKey(m0.subscription.token_account);

  // The buyer revokes in their wallet: a Revoke they sign, sent to the cluster without hiltd.
  const revoke = spl.createRevokeInstruction(ata, buyer.publicKey);
  assert.equal(revoke.data[0], REVOKE);
  await w.ledger.send(buyer, [revoke]);
  assert.deepEqual(await w.ledger.delegation(buyer.publicKey), { delegate: null, delegatedAmount: 0n });
  const balance = await w.ledger.usdc(buyer.publicKey);
  assert.equal(balance, 2n * PRICE);

  await w.advanceTo(seconds(m0.next_renewal_at));
  const m = await w.waitMembership(id, failedWith('DELEGATE_REVOKED', 1), 'the renewal failing');
  assert.equal(m.renewal_count, 0);
  assert.equal(m.status, 'ACTIVE');
  assert.equal(await w.ledger.usdc(buyer.publicKey), balance, 'the buyer was not charged');
  assert.equal(await w.ledger.usdc(product.merchantWallet), netOf(PRICE));
  const [failed] = await w.waitHooks((e) => e.type === 'membership.renewal_failed' && e.data.membership_id === id, 1,
                                     'membership.renewal_failed');
  assert.equal(failed.event.data.subscription.last_failure.reason, 'DELEGATE_REVOKED');
  await w.assertWebhooksOnce();
});

test('two subscriptions of one buyer share one delegation, and both renew at the next period', async (t) => {
  const w = await world(t);
  const a = await w.product(PRICE);
  const b = await w.product(3n * PRICE);
  const buyer = await w.buyer(20n * PRICE);
  const one = await w.subscribe(a, buyer);

  const second = await w.checkout(b, buyer);
  assert.deepEqual(second.built.approval, {
    delegate: w.delegate, existing_allowance_minor_units: Number(PERIODS * PRICE),
    allowance_minor_units: Number(PERIODS * PRICE + PERIODS * 3n * PRICE), allowance_periods: Number(PERIODS),
  });
  const [approve] = readCheckout(second.tx).approvals;
  assert.equal(approve.data.amount, PERIODS * 4n * PRICE, 'the approval keeps the first one\'s allowance');
  const two = await w.pay(second, buyer);
  assert.deepEqual(await w.ledger.delegation(buyer.publicKey),
                   { delegate: w.delegate, delegatedAmount: PERIODS * 4n * PRICE });
  assert.equal(await w.ledger.usdc(buyer.publicKey), 16n * PRICE);

  const due = Math.max(seconds(one.next_renewal_at), seconds(two.next_renewal_at));
  await w.advanceTo(due);
  await w.waitMembership(one.membership_id, renewed(1), 'the first subscription renewing');
  await w.waitMembership(two.membership_id, renewed(1), 'the second subscription renewing');
  assert.equal(await w.ledger.usdc(buyer.publicKey), 12n * PRICE);
  assert.deepEqual(await w.ledger.delegation(buyer.publicKey),
                   { delegate: w.delegate, delegatedAmount: PERIODS * 4n * PRICE - 4n * PRICE });
  assert.equal(await w.ledger.usdc(a.merchantWallet), 2n * netOf(PRICE));
  assert.equal(await w.ledger.usdc(b.merchantWallet), 2n * netOf(3n * PRICE));
  for (const m of [one, two]) {
    await w.waitHooks((e) => e.type === 'membership.renewed' && e.data.membership_id === m.membership_id, 1,
                      `membership.renewed of ${m.membership_id}`);
  }
  await w.assertWebhooksOnce();
});

test('the buyer cancels one subscription from its manage link and the merchant the other: neither is pulled again',
     async (t) => {
  const w = await world(t);
  const a = await w.product(PRICE);
  const b = await w.product(3n * PRICE);
  const buyer = await w.buyer(20n * PRICE);
  const one = await w.subscribe(a, buyer);
  const two = await w.subscribe(b, buyer);
  assert.deepEqual(await w.ledger.delegation(buyer.publicKey),
                   { delegate: w.delegate, delegatedAmount: PERIODS * 4n * PRICE });
  // A control: another buyer's subscription falls due with them, so its renewal shows the worker has been by.
  const other = await w.buyer(3n * PRICE);
  const control = await w.subscribe(a, other);

  // The buyer, through the link the merchant passed on (manage_url's fragment carries the token): CANCEL lowers
  // the shared approval by what this subscription reserved (12 periods of 3 × PRICE), as the first still renews.
  const link = new URL(two.manage_url);
  assert.equal(link.pathname, `/m/${two.membership_id}`);
  const token = { 'x-hilt-manage-token': link.hash.slice('#k='.length) };
  const view = await w.hiltd.api('GET', `/v1/memberships/${two.membership_id}/manage`, undefined, token);
  assert.equal(view.status, 200, view.text);
  assert.equal(view.body.subscription.other_subscriptions, 1);
  assert.equal(view.body.subscription.delegated_minor_units, Number(PERIODS * 4n * PRICE));
  const built = await w.hiltd.api('POST', `/v1/memberships/${two.membership_id}/manage/transaction`,
                                  { action: 'CANCEL' }, token);
  assert.equal(built.status, 200, built.text);
  const tx = Transaction.from(Buffer.from(built.body.transaction, 'base64'));
  assert.equal(tx.feePayer.toBase58(), buyer.publicKey.toBase58(), 'the buyer pays for their own change');
  const [lowered] = readCheckout(tx).approvals;
  assert.equal(lowered.data.amount, PERIODS * PRICE, 'what the first subscription still needs');
  assert.equal(lowered.keys.delegate.pubkey.toBase58(), w.delegate);
  tx.sign(buyer);
  const submitted = await w.hiltd.api('POST', `/v1/memberships/${two.membership_id}/manage/submit`,
                                      { action: 'CANCEL', signed_transaction: tx.serialize().toString('base64') },
                                      token);
  assert.equal(submitted.status, 200, submitted.text);
  assert.equal(submitted.body.cancellation.source, 'BUYER');
  await waitFor(async () => (await w.ledger.delegation(buyer.publicKey)).delegatedAmount === PERIODS * PRICE,
                'the lowered approval on chain');

  // The merchant ends the first one at its period's end.
  const cancelled = await w.hiltd.api('POST', `/v1/memberships/${one.membership_id}/cancel`, {},
                                      { ...w.merchant, 'idempotency-key': `cancel-${one.membership_id}` });
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.body.cancellation.source, 'MERCHANT');
  assert.equal(cancelled.body.next_renewal_at, undefined);

  // Every period falls due; only the control renews.
  await w.advanceTo(Math.max(...[one, two, control].map((m) => seconds(m.next_renewal_at))));
  await w.waitMembership(control.membership_id, renewed(1), 'the control subscription renewing');
  assert.equal(await w.ledger.usdc(buyer.publicKey), 16n * PRICE, 'nothing more was taken from the buyer');
  assert.deepEqual(await w.ledger.delegation(buyer.publicKey), { delegate: w.delegate, delegatedAmount: PERIODS * PRICE });
  assert.equal(await w.ledger.usdc(b.merchantWallet), netOf(3n * PRICE), 'one payment of the cancelled 3× subscription');

  // Access ends with the paid period, without grace.
  await w.advanceTo(Math.max(seconds(one.current_period_end_at), seconds(two.current_period_end_at)) + HOUR);
  for (const m of [one, two]) {
    const ended = await w.membership(m.membership_id);
    assert.equal(ended.status, 'CANCELLED');
    assert.equal(ended.renewal_count, 0);
    assert.deepEqual(await w.membershipEvents(m.membership_id),
                     { 'membership.activated': 1, 'membership.cancelled': 1 }, `the events of ${m.membership_id}`);
  }
  const sources = (await w.events('membership.cancelled')).map((e) => e.data.cancellation.source).sort();
  assert.deepEqual(sources, ['BUYER', 'MERCHANT']);
  await w.assertWebhooksOnce();
});

test('renewals wait, unsent, while the delegate cannot pay their fees, and go through once it is funded',
     { skip: chain.rpc ? false : 'the sandbox funds the renewal delegate itself at start' }, async (t) => {
  const w = await world(t, [], { fundDelegate: false });
  assert.equal(await w.ledger.lamports(new PublicKey(w.delegate)), 0n, 'nobody funded the delegate');
  const product = await w.product();
  const buyer = await w.buyer(3n * PRICE);
  const m0 = await w.subscribe(product, buyer);
  const health = async () => {
    const res = await w.hiltd.api('GET', '/v1/health');
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  assert.equal((await health()).renewals_paused, undefined);

  await w.advanceTo(seconds(m0.next_renewal_at));
  await waitFor(async () => (await health()).renewals_paused === true, 'the operator told renewals are paused');
  assert.match(w.hiltd.output(), new RegExp(`renewals: paused: the renewal delegate ${w.delegate}`));
  const waiting = await w.membership(m0.membership_id);
  assert.equal(waiting.renewal_count, 0);
  assert.equal(waiting.subscription.last_failure, undefined, 'not the buyer\'s failure: nothing is recorded against them');
  assert.equal(await w.ledger.usdc(buyer.publicKey), 2n * PRICE, 'nothing was pulled');
  const sent = (await w.payments(product)).filter((p) => p.tx_signature);
  assert.deepEqual(sent.map((p) => p.payment_id), [m0.last_payment_id], 'no renewal transaction was sent');

  // The operator funds the delegate: the renewal goes through once the claim's lease has lapsed.
  chain.rpc.airdropSol(w.delegate, SOL);
  await w.ledger.settled(); // visible at the commitment hiltd reads accounts at
  await w.advanceTo((await w.now()) + 61);
  await w.waitMembership(m0.membership_id, renewed(1), 'the renewal after the delegate was funded');
  assert.equal(await w.ledger.usdc(buyer.publicKey), PRICE);
  await waitFor(async () => (await health()).renewals_paused === undefined, 'renewals no longer paused');
});

const restartSkip = chain.rpc ? false
  : 'the sandbox chain lives inside hiltd and is lost with the process: a restart cannot find the renewal';
test('hiltd killed with a renewal in flight sends the same transaction after the restart: one pull',
     { skip: restartSkip }, async (t) => {
  const w = await world(t);
  const product = await w.product();
  const buyer = await w.buyer(3n * PRICE);
  const m0 = await w.subscribe(product, buyer);
  const id = m0.membership_id;
  await w.assertWebhooksOnce(); // the checkout's events are delivered before hiltd dies: none is in flight

  // The renewal's sends vanish on the way until hiltd dies (as if it died between recording the transaction
  // and the network taking it). A single dropped send is not enough: the worker's follow-up in the same pass
  // finds the transaction unseen and sends the same bytes again at once.
  const served = chain.rpc.node.served.dropNextSend;
  chain.rpc.setFaults({ dropNextSend: 100 });
  await w.advanceTo(seconds(m0.next_renewal_at));
  const pending = await waitFor(async () => (await w.payments(product))
    .find((p) => p.payment_id !== m0.last_payment_id && p.status === 'PENDING_CONFIRMATION'),
  'the renewal payment awaiting confirmation');
  const clock = await w.now();
  await w.hiltd.stop('SIGKILL');
  chain.rpc.setFaults({ dropNextSend: 0 });
  assert.ok(chain.rpc.node.served.dropNextSend > served, 'the node dropped the renewal\'s send');
  assert.ok(pending.tx_signature, JSON.stringify(pending));
  assert.equal(chain.rpc.node.hasTransaction(pending.tx_signature), false,
               'the renewal had not landed when hiltd died');
  await w.hiltd.restart('SIGKILL');
  // The test clock lives in the process: bring the restarted hiltd back to where time was.
  await w.advanceTo(clock + 1);

  const m = await w.waitMembership(id, renewed(1), 'the renewal after the restart', 30_000);
  assert.equal(m.last_payment_id, pending.payment_id);
  const paid = await w.hiltd.api('GET', `/v1/payments/${pending.payment_id}`);
  assert.equal(paid.body.status, 'CONFIRMED');
  assert.equal(paid.body.tx_signature, pending.tx_signature, 'the recorded bytes were sent again, not new ones');
  assert.equal(await w.ledger.usdc(product.merchantWallet), 2n * netOf(PRICE), 'one pull: the merchant got net once');
  assert.equal(await w.ledger.usdc(buyer.publicKey), PRICE, 'one pull: the buyer paid once');
  assert.deepEqual(await w.ledger.delegation(buyer.publicKey),
                   { delegate: w.delegate, delegatedAmount: (PERIODS - 1n) * PRICE });
  const renewals = (await w.payments(product)).filter((p) => p.payment_id !== m0.last_payment_id);
  assert.equal(renewals.length, 1, 'one payment for the period');

  await w.waitHooks((e) => e.type === 'membership.renewed' && e.data.membership_id === id, 1, 'membership.renewed');
  const events = await w.assertWebhooksOnce();
  assert.equal(events.filter((e) => e.type === 'membership.renewed').length, 1);
});
}
