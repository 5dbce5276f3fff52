// The subscriber's manage page (issue 7): the checkout's receipt links it ("Manage subscription"), it shows the
// subscription as the server reads it on chain, and its cancel goes through Phantom: the fake extension signs
// (tweetnacl, the real message) a transaction whose one token instruction is a Revoke of the buyer's USDC account,
// decoded here by @solana/web3.js against the address @solana/spl-token derives. The membership then reads
// cancelled by the BUYER through the merchant API. Also: a forged link, the wrong wallet in Phantom, and a phone
// without Phantom, which reopens the page (token and all) in Phantom's browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import web3 from '@solana/web3.js';
import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import {
  useCheckoutServer, createSubscriptionsWorkspace, createProduct, fundedBuyer, openPage, fakePhantomScript,
  waitForReady, waitForState, press, action, screenshot, hiltState, DESKTOP, PHONE,
} from './support.mjs';

const env = useCheckoutServer();
const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const REVOKE = 5; // SPL Token instruction tag

// "29 December 2026", the date as a person reads it (UTC), from the API's RFC 3339 timestamp.
const dateWords = (rfc3339) => new Date(rfc3339).toLocaleDateString('en-GB', {
  timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });

let merchant = null;
async function automaticProduct(title) {
  merchant ??= createSubscriptionsWorkspace(env.server, 'Manage Guild');
  return createProduct(env.server, {
    title,
    amount_minor_units: 12_500_000,
    membership_config: { enabled: true, platform: 'DISCORD', identity_type: 'WALLET', renewal_mode: 'AUTOMATIC',
                         billing_interval_days: 30, grace_period_days: 2 },
  }, merchant);
}

// Pays the product at the checkout with the fake Phantom extension; returns the confirmed page and its context.
async function subscribe(product, buyer, name) {
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP, initScripts: [fakePhantomScript(buyer)] });
  await page.goto(`${env.server.base}/p/${product.slug}`);
  await waitForReady(page);
  await waitForState(page, 'product_shown');
  await press(page, 'Pay with Phantom');
  const confirmed = await waitForState(page, 'confirmed');
  await screenshot(page, `${name}-confirmed`);
  return { page, context, confirmed };
}

async function membership(id) {
  const res = await env.server.api('GET', `/v1/memberships/${id}`, undefined, merchant);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

test('the receipt links the manage page, where the buyer cancels and Phantom signs the Revoke', async () => {
  const product = await automaticProduct('Manage Guild monthly pass');
  const buyer = await fundedBuyer(env.server);
  const { page, context, confirmed } = await subscribe(product, buyer, 'desktop-1280x800-manage');
  try {
    const payment = await env.server.api('GET', `/v1/payments/${confirmed.payment_id}`, undefined, merchant);
    assert.equal(payment.status, 200, payment.text);
    const before = await membership(payment.body.membership_id);
    assert.equal(confirmed.manage_url, before.manage_url, 'the buyer and the merchant get the same link');
    assert.match(confirmed.manage_url, new RegExp(`^${env.server.base}/m/${before.membership_id}#k=[\\w-]{43}$`));

    // "Manage subscription" on the receipt opens it in a new tab.
    await action(page, 'Manage subscription');
    const [manage] = await Promise.all([context.waitForEvent('page'), press(page, 'Manage subscription')]);
    manage.log = [];
    manage.on('pageerror', (e) => manage.log.push(`pageerror: ${e.message}`));
    await manage.waitForURL(confirmed.manage_url);
    await waitForReady(manage);
    const shown = await waitForState(manage, 'overview');
    assert.equal(shown.status, 'ACTIVE');
    assert.equal(shown.sentence,
                 `Renews automatically on ${dateWords(before.next_renewal_at)}: 12.50 USDC every 30 days.`);
    assert.equal(shown.allowance, "Your wallet's approval covers 12 more renewals (150.00 USDC).");
    assert.equal(await manage.evaluate(() => window.hilt.live()), shown.sentence);
    await screenshot(manage, 'desktop-1280x800-manage-overview');

    // Cancel asks first, saying until when access lasts; nothing is asked of Phantom yet.
    await press(manage, 'Cancel subscription');
    await waitForState(manage, 'confirm_cancel');
    await action(manage, 'Keep my subscription');
    assert.deepEqual(await manage.evaluate(() => window.__phantomCalls), []);
    await screenshot(manage, 'desktop-1280x800-manage-confirm_cancel');
    await press(manage, 'Cancel subscription');

    const done = await waitForOutcome(manage);
    assert.equal(done.outcome, 'cancelled', JSON.stringify(done));
    assert.deepEqual(await manage.evaluate(() => window.__phantomCalls), ['connect', 'signTransaction']);

    // What Phantom signed: one token instruction, a Revoke of the buyer's USDC account by the buyer.
    const tx = web3.Transaction.from(Buffer.from(await manage.evaluate(() => window.__phantomSigned)));
    assert.equal(tx.feePayer.toBase58(), buyer.publicKey.toBase58());
    assert.ok(tx.verifySignatures(), 'the buyer signature verifies over the message');
    const token = tx.instructions.filter((ix) => ix.programId.toBase58() === TOKEN_PROGRAM);
    assert.equal(token.length, 1);
    assert.equal(token[0].data[0], REVOKE);
    const usdc = new web3.PublicKey(before.subscription.token_mint); // the sandbox's USDC mint
    assert.equal(token[0].keys[0].pubkey.toBase58(), getAssociatedTokenAddressSync(usdc, buyer.publicKey).toBase58());
    assert.equal(token[0].keys[1].pubkey.toBase58(), buyer.publicKey.toBase58());

    const periodEnd = dateWords(before.current_period_end_at);
    assert.equal(done.outcome_text,
                 `Your subscription is cancelled. Nothing more will be taken; your access lasts until ${periodEnd}.`);
    assert.equal(await manage.evaluate(() => window.hilt.live()), done.outcome_text);
    assert.equal(done.can_cancel, false);
    await screenshot(manage, 'desktop-1280x800-manage-cancelled');

    const after = await membership(before.membership_id);
    assert.equal(after.cancellation?.source, 'BUYER', JSON.stringify(after));
    assert.equal(after.cancellation.at_period_end, true);
    assert.equal(after.next_renewal_at, undefined);
    assert.equal(after.status, 'ACTIVE', 'access lasts until the paid period ends');

    // A reload reads it back from the server.
    await manage.reload();
    await waitForReady(manage);
    const reloaded = await waitForState(manage, 'overview');
    assert.equal(reloaded.sentence, `Cancelled. Your access lasts until ${periodEnd}.`);
    assert.equal(reloaded.can_cancel, false);
    assert.equal(reloaded.outcome, undefined);
  } finally {
    await context.close();
  }
});

// The overview state after a submit (the wallet steps pass through several states first).
async function waitForOutcome(page) {
  await page.waitForFunction(() => window.hilt.state()?.outcome, null, { timeout: 30_000 });
  return hiltState(page);
}

test('a forged link is not valid, and only the subscription\'s own wallet may sign', async () => {
  const product = await automaticProduct('Manage Guild workshop pass');
  const buyer = await fundedBuyer(env.server);
  const { context, confirmed } = await subscribe(product, buyer, 'desktop-1280x800-manage-wallet');
  await context.close();
  const url = new URL(confirmed.manage_url);

  const forged = await openPage(env.browser, { viewport: DESKTOP });
  try {
    await forged.page.goto(`${url.origin}${url.pathname}#k=${'A'.repeat(43)}`);
    await waitForReady(forged.page);
    await waitForState(forged.page, 'unavailable');
    assert.equal(await forged.page.evaluate(() => window.hilt.live()), 'This manage link is not valid.');
    await screenshot(forged.page, 'desktop-1280x800-manage-unavailable');
  } finally {
    await forged.context.close();
  }

  const stranger = web3.Keypair.generate();
  const { page, context: other } = await openPage(env.browser, { viewport: DESKTOP,
                                                                initScripts: [fakePhantomScript(stranger)] });
  try {
    await page.goto(confirmed.manage_url);
    await waitForReady(page);
    await waitForState(page, 'overview');
    await press(page, 'Cancel subscription');
    await waitForState(page, 'confirm_cancel');
    await press(page, 'Cancel subscription');
    const wrong = await waitForState(page, 'wrong_wallet');
    assert.equal(wrong.connected, stranger.publicKey.toBase58());
    assert.deepEqual(await page.evaluate(() => window.__phantomCalls), ['connect'], 'nothing to sign');
    await screenshot(page, 'desktop-1280x800-manage-wrong_wallet');
    await press(page, 'Back');
    const back = await waitForState(page, 'overview');
    assert.equal(back.can_cancel, true, 'nothing changed');
  } finally {
    await other.close();
  }
});

test('on a phone without Phantom the page reopens itself, token and all, in Phantom\'s browser', async () => {
  const product = await automaticProduct('Manage Guild phone pass');
  const buyer = await fundedBuyer(env.server);
  const { context, confirmed } = await subscribe(product, buyer, 'desktop-1280x800-manage-phone');
  await context.close();

  const { page, context: phone } = await openPage(env.browser, { viewport: PHONE, mobile: true });
  const opened = [];
  await phone.route('https://phantom.app/**', (route) => {
    opened.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Phantom</title>' });
  });
  try {
    await page.goto(confirmed.manage_url);
    await waitForReady(page);
    const shown = await waitForState(page, 'overview');
    assert.equal(shown.can_cancel, false, 'no provider here: nothing can be signed');
    await screenshot(page, 'phone-390x844-manage-overview');
    await press(page, 'Open in Phantom', { tap: true });
    await page.waitForURL((u) => u.hostname === 'phantom.app', { timeout: 20_000 });
    const browse = new URL(opened[0]);
    assert.equal(browse.pathname.startsWith('/ul/browse/'), true, opened[0]);
    assert.equal(decodeURIComponent(browse.pathname.slice('/ul/browse/'.length)), confirmed.manage_url);
    assert.equal(browse.searchParams.get('ref'), new URL(confirmed.manage_url).origin);
  } finally {
    await phone.close();
  }
});
