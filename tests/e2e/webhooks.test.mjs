// tests/e2e/webhooks.test.mjs: webhooks from the hiltd binary (its SQLite file, the sandbox chain on its test
// clock) to a receiver in another process (tests/support/webhook_receiver.mjs) that verifies both Standard
// Webhooks signatures with independent code: node's crypto (v1, HMAC-SHA256 with the endpoint's secret) and
// tweetnacl (v1a, ed25519 with the key published at /.well-known/hilt/webhook-key).
// Shown: every event type (a month of a membership on the sandbox's test clock) arrives once per endpoint and
// verifies; a tampered body or an
// old timestamp does not; a receiver that answers 500 for a while gets the retries on the (compressed)
// schedule with the event's id every time; hiltd killed with SIGKILL mid-retry and restarted loses none;
// a rotated secret signs alongside the new one during its overlap; redelivery by hand; delivery recovery
// seen by the buyer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import web3 from '@solana/web3.js';
import { startHiltd, waitFor } from './hiltd.mjs';
import { startWebhookReceiver, verifyWebhook } from '../support/webhook_receiver.mjs';

const { Keypair, Transaction } = web3;
const PRICE = 5_000_000;
const SCHEDULE_MS = [200, 400, 800, 1600, 3200];
const HILTD_ARGS = ['--webhook-urls', 'loopback',
                    '--webhook-retry-schedule', SCHEDULE_MS.map((ms) => `${ms}ms`).join(',')];

const receiver = await startWebhookReceiver();
after(() => receiver.stop());

// A hiltd with a merchant, and the calls a checkout makes.
async function checkoutServer(name) {
  const hiltd = await startHiltd(HILTD_ARGS);
  after(() => hiltd.cleanup());
  const merchant = { 'x-hilt-key': hiltd.createMerchant(name) };
  const publicKey = (await hiltd.api('GET', '/.well-known/hilt/webhook-key')).body.public_key;
  assert.match(publicKey, /^whpk_/);

  const endpoint = async (hook, events) => {
    const res = await hiltd.api('POST', '/v1/webhook-endpoints', { url: receiver.url(hook), events }, merchant);
    assert.equal(res.status, 201, res.text);
    await receiver.configure(hook, { secrets: [res.body.secret], public_key: publicKey });
    return res.body;
  };
  const product = async (membership = true) => {
    const res = await hiltd.api('POST', '/v1/products', {
      product_type: 'PAYMENT_LINK', title: `${name} pass`, amount_minor_units: PRICE,
      merchant_wallet: Keypair.generate().publicKey.toBase58(),
      delivery_type: 'INVITE_LINK', delivery_value: 'https://discord.gg/hooks',
      ...(membership ? { membership_config: { enabled: true, platform: 'DISCORD', identity_type: 'WALLET',
                                              renewal_mode: 'ONE_OFF', billing_interval_days: 30,
                                              grace_period_days: 2 } } : {}),
    }, merchant);
    assert.equal(res.status, 201, res.text);
    return res.body;
  };
  const fundedBuyer = async () => {
    const buyer = Keypair.generate();
    for (const [asset, amount] of [['SOL', 1_000_000_000], ['USDC', 3 * PRICE]]) {
      const res = await hiltd.api('POST', '/v1/sandbox/airdrop',
                                  { wallet: buyer.publicKey.toBase58(), asset, amount_minor_units: amount });
      assert.equal(res.status, 200, res.text);
    }
    return buyer;
  };
  // connect + the built transaction, signed by the buyer with web3.js.
  const signedSession = async (prod, buyer) => {
    const session = await hiltd.api('POST', `/v1/products/p/${prod.slug}/connect`, {});
    assert.equal(session.status, 201, session.text);
    const paymentId = session.body.payment_id;
    const built = await hiltd.api('POST', `/v1/payments/${paymentId}/transaction`,
                                  { buyer_wallet: buyer.publicKey.toBase58() });
    assert.equal(built.status, 200, built.text);
    const tx = Transaction.from(Buffer.from(built.body.transaction, 'base64'));
    tx.partialSign(buyer);
    return { paymentId, signed: tx.serialize().toString('base64') };
  };
  const pay = async (prod, buyer) => {
    const { paymentId, signed } = await signedSession(prod, buyer);
    const sent = await hiltd.api('POST', `/v1/payments/${paymentId}/broadcast`, { signed_transaction: signed });
    assert.equal(sent.status, 200, sent.text);
    await waitFor(async () => (await hiltd.api('GET', `/v1/payments/${paymentId}`)).body.status === 'CONFIRMED',
                  `confirmation of ${paymentId}`);
    return paymentId;
  };
  const events = async () => {
    const all = [];
    let cursor = '';
    for (;;) {
      const res = await hiltd.api('GET', `/v1/events?limit=100${cursor}`, undefined, merchant);
      assert.equal(res.status, 200, res.text);
      all.push(...res.body.data);
      if (!res.body.has_more) return all;
      cursor = `&starting_after=${all.at(-1).id}`;
    }
  };
  const deliveries = async (eventId) => {
    const res = await hiltd.api('GET', `/v1/events/${eventId}/deliveries`, undefined, merchant);
    assert.equal(res.status, 200, res.text);
    return res.body.data;
  };
  return { hiltd, merchant, publicKey, endpoint, product, fundedBuyer, signedSession, pay, events, deliveries };
}

const ALL_TYPES = ['payment.confirmed', 'payment.failed', 'payment.late', 'membership.activated',
                   'membership.renewed', 'membership.grace_started', 'membership.expired', 'receipt.created',
                   'delivery.failed', 'support.case_created'];

test('every event of a checkout arrives once per endpoint, signed v1 and v1a; tampering is caught', async () => {
  const s = await checkoutServer('Hooks Guild');
  await s.endpoint('all-a', ALL_TYPES);
  await s.endpoint('all-b', ALL_TYPES);
  const pass = await s.product();
  const buyer = await s.fundedBuyer();

  // Activated, then renewed by the same wallet.
  const first = await s.pay(pass, buyer);
  await s.pay(pass, buyer);
  // A session that expires unpaid (the test clock moves past its 15 minutes) and whose transaction the
  // wallet then sends itself: failed, then found on chain late.
  const late = await s.signedSession(pass, await s.fundedBuyer());
  const moved = await s.hiltd.api('POST', '/v1/sandbox/clock', { advance_seconds: 16 * 60 }, s.merchant);
  assert.equal(moved.status, 200, moved.text);
  await waitFor(async () => (await s.hiltd.api('GET', `/v1/payments/${late.paymentId}`)).body.status === 'FAILED',
                'the session expiring');
  const direct = await s.hiltd.api('POST', '/v1/sandbox/send-transaction', { transaction: late.signed });
  assert.equal(direct.status, 200, direct.text);
  const lateRead = await waitFor(async () => {
    const res = await s.hiltd.api('GET', `/v1/payments/${late.paymentId}`);
    return res.body.status === 'CONFIRMED' ? res.body : null;
  }, 'the late payment');
  assert.equal(lateRead.late, true);
  // The merchant's bot reports the invite unusable; the buyer asks for help.
  const failed = await s.hiltd.api('POST', `/v1/payments/${first}/delivery`,
                                   { status: 'FAILED', reason: 'invite expired' }, s.merchant);
  assert.equal(failed.status, 200, failed.text);
  const help = await s.hiltd.api('POST', `/v1/payments/${first}/support`, { message: 'The invite does not work' });
  assert.equal(help.status, 201, help.text);
  // A month on, the late buyer's membership (30 days from the late payment) is in grace; two days later it
  // has lapsed. The first buyer's, renewed, still runs.
  const eventsOf = async (type) => (await s.events()).filter((e) => e.type === type);
  for (const [days, type] of [[31, 'membership.grace_started'], [2, 'membership.expired']]) {
    const later = await s.hiltd.api('POST', '/v1/sandbox/clock', { advance_seconds: days * 86_400 }, s.merchant);
    assert.equal(later.status, 200, later.text);
    const [lapse] = await waitFor(async () => {
      const found = await eventsOf(type);
      return found.length ? found : null;
    }, type);
    assert.equal(lapse.data.buyer_wallet, lateRead.buyer_wallet);
  }

  const events = await s.events();
  const produced = new Set(events.map((e) => e.type));
  for (const type of ALL_TYPES) assert.ok(produced.has(type), `no ${type} event among ${[...produced]}`);
  const log = await waitFor(async () => {
    const got = await receiver.log();
    const done = ['all-a', 'all-b'].every((hook) => got.filter((d) => d.name === hook).length >= events.length);
    return done ? got : null;
  }, 'every event at both endpoints');
  for (const hook of ['all-a', 'all-b']) {
    const mine = log.filter((d) => d.name === hook);
    assert.equal(mine.length, events.length, `${hook}: one delivery per event`);
    for (const event of events) {
      const got = mine.filter((d) => d.id === event.id);
      assert.equal(got.length, 1, `${hook}: ${event.type} ${event.id} once`);
      const [d] = got;
      assert.equal(d.event_id, event.id);
      assert.equal(d.type, event.type);
      assert.deepEqual(JSON.parse(d.body), event);
      assert.equal(d.v1, 0, `${hook}: v1 of ${event.type} verifies with the endpoint's secret`);
      assert.equal(d.v1a, true, `${hook}: v1a of ${event.type} verifies with the published key`);
      assert.equal(d.fresh, true);
    }
  }

  // What a verifier must refuse.
  const sample = log.find((d) => d.name === 'all-a');
  const keys = { publicKey: s.publicKey };
  assert.equal(verifyWebhook(sample, keys).v1a, true);
  // One digit of the body changed (an amount, a slot, a time).
  const changed = sample.body.replace(/\d/, (digit) => String((Number(digit) + 1) % 10));
  assert.notEqual(changed, sample.body);
  assert.equal(verifyWebhook({ ...sample, body: changed }, keys).v1a, false, 'a changed body');
  const restamped = verifyWebhook({ ...sample, timestamp: String(Number(sample.timestamp) - 600) }, keys);
  assert.equal(restamped.v1a, false, 'a changed timestamp');
  const replayed = verifyWebhook(sample, { ...keys, now: (Number(sample.timestamp) + 600) * 1000 });
  assert.equal(replayed.v1a, true);
  assert.equal(replayed.fresh, false, 'ten minutes later the timestamp is too old');

  // Redelivery by hand: the same id again, at both endpoints.
  const confirmed = events.find((e) => e.type === 'payment.confirmed');
  const again = await s.hiltd.api('POST', `/v1/events/${confirmed.id}/redeliver`, {}, s.merchant);
  assert.equal(again.status, 202, again.text);
  await waitFor(async () => (await receiver.log()).filter((d) => d.id === confirmed.id).length === 4,
                'the redelivery at both endpoints');

  // Delivery recovery: the merchant supplies a new invite; the buyer sees it.
  const fixed = await s.hiltd.api('POST', `/v1/payments/${first}/delivery`,
                                  { delivery_value: 'https://discord.gg/hooks-new' }, s.merchant);
  assert.equal(fixed.status, 200, fixed.text);
  const buyerView = await s.hiltd.api('GET', `/v1/payments/${first}`);
  assert.equal(buyerView.body.delivery_value, 'https://discord.gg/hooks-new');
});

test('500s then 200: retries follow the schedule with the same id; SIGKILL mid-retry loses none', async () => {
  const s = await checkoutServer('Retry Guild');
  await s.endpoint('flaky', ['payment.confirmed']);
  await receiver.configure('flaky', { fail_first: 3 });
  const pass = await s.product(false);
  const paymentId = await s.pay(pass, await s.fundedBuyer());
  const [event] = (await s.events()).filter((e) => e.type === 'payment.confirmed');
  assert.equal(event.data.payment_id, paymentId);
  const arrivals = await waitFor(async () => {
    const got = (await receiver.log()).filter((d) => d.name === 'flaky');
    return got.length === 4 ? got : null;
  }, 'four attempts at the flaky endpoint');
  assert.deepEqual(arrivals.map((d) => d.answered), [500, 500, 500, 200]);
  for (const d of arrivals) {
    assert.equal(d.id, event.id);
    assert.equal(d.v1, 0);
    assert.equal(d.v1a, true);
  }
  // Each wait is at least three quarters of the schedule's delay (jitter only shortens, by ≤ 25 %).
  for (let i = 1; i < arrivals.length; i++) {
    assert.ok(arrivals[i].at - arrivals[i - 1].at >= 0.75 * SCHEDULE_MS[i - 1] - 5,
              `gap ${i}: ${arrivals[i].at - arrivals[i - 1].at} ms`);
  }
  const logged = await waitFor(async () => {
    const [d] = await s.deliveries(event.id);
    return d.status === 'DELIVERED' ? d : null;
  }, 'the delivery log');
  assert.deepEqual(logged.attempts.map((a) => a.status_code), [500, 500, 500, 200]);

  // Three more payments to an endpoint that fails its first answers; hiltd is killed right after the first 500.
  await s.endpoint('killed', ['payment.confirmed']);
  await receiver.configure('killed', { fail_first: 2 });
  const paid = [];
  for (let i = 0; i < 3; i++) paid.push(await s.pay(pass, await s.fundedBuyer()));
  await waitFor(async () => (await receiver.log()).some((d) => d.name === 'killed' && d.answered === 500),
                'a first failed attempt');
  await s.hiltd.restart('SIGKILL');
  const wanted = (await s.events()).filter((e) => e.type === 'payment.confirmed' && paid.includes(e.data.payment_id));
  assert.equal(wanted.length, 3);
  await waitFor(async () => {
    const got = (await receiver.log()).filter((d) => d.name === 'killed' && d.answered === 200);
    return wanted.every((e) => got.some((d) => d.id === e.id));
  }, 'every event delivered after the restart', 30_000);
  for (const e of wanted) {
    const [d] = await s.deliveries(e.id);
    assert.equal(d.status, 'DELIVERED');
  }
  // Every attempt carried one of the three ids, each verified.
  for (const d of (await receiver.log()).filter((x) => x.name === 'killed')) {
    assert.ok(wanted.some((e) => e.id === d.id));
    assert.equal(d.v1, 0);
  }
});

test('a rotated secret signs next to the new one for its overlap', async () => {
  const s = await checkoutServer('Rotation Guild');
  const created = await s.endpoint('rotating', ['payment.confirmed']);
  const rotated = await s.hiltd.api('POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`,
                                    { expires_in_seconds: 3600 }, s.merchant);
  assert.equal(rotated.status, 200, rotated.text);
  assert.notEqual(rotated.body.secret, created.secret);
  await receiver.configure('rotating', { secrets: [rotated.body.secret, created.secret] });
  await s.pay(await s.product(false), await s.fundedBuyer());
  const [d] = await waitFor(async () => {
    const got = (await receiver.log()).filter((x) => x.name === 'rotating');
    return got.length ? got : null;
  }, 'the delivery');
  assert.equal(d.v1, 0, 'the new secret');
  assert.equal(verifyWebhook(d, { secrets: [created.secret] }).v1, 0, 'and the old one, during the overlap');
  assert.equal(verifyWebhook(d, { secrets: ['whsec_' + Buffer.alloc(32, 7).toString('base64')] }).v1, null);
});
