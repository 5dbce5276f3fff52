// Phantom on a phone, by deeplink (solana-phantom.md §1.1-1.3): the page has no injected provider;
// the test plays Phantom's side of the protocol with tweetnacl: it reads the connect deeplink,
// answers with an encrypted {public_key, session} on the checkout's redirect_link, decrypts the
// signTransaction payload, signs the real message bytes, encrypts the signed transaction back, and
// the page (reloaded by each redirect, its keys kept in session storage) reaches CONFIRMED.
// Also: a rejection (errorCode 4001) and a tampered answer (decryption fails) each end in a clear
// sentence with a way forward, and an AUTOMATIC product's renewal approval is on screen before Phantom
// opens to sign (the page unloads when it does). hiltd runs behind a TLS proxy: deeplinks are offered only on https.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import bs58 from 'bs58';
import web3 from '@solana/web3.js';
import {
  launchBrowser, startHttpsCheckoutServer, createProduct, createSubscriptionsWorkspace, fundedBuyer, openPage,
  fakePhantomScript, waitForReady, waitForState, press, screenshot, waitFor, PHONE,
} from './support.mjs';

let server;
let browser;
before(async () => {
  server = await startHttpsCheckoutServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.cleanup();
});

// Phantom's side: every navigation to phantom.app is caught and handed to the test.
async function phantomPhone(context, page) {
  const opened = [];
  let wake = null;
  await context.route('https://phantom.app/**', (route) => {
    opened.push(route.request().url());
    if (wake) wake();
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Phantom</title>' });
  });
  return {
    opened,
    async next(method, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = opened.find((u) => new URL(u).pathname === `/ul/v1/${method}`);
        if (hit) {
          opened.splice(opened.indexOf(hit), 1);
          // The checkout has really left for Phantom (not only asked to): answer from there.
          await page.waitForURL((u) => u.hostname === 'phantom.app', { timeout: timeoutMs });
          return new URL(hit);
        }
        if (Date.now() > deadline) throw new Error(`Phantom's ${method} deeplink was not opened: ${opened.join(', ')}`);
        await new Promise((r) => { wake = r; setTimeout(r, 100); });
      }
    },
  };
}

const phantomKeys = nacl.box.keyPair();
const SESSION = bs58.encode(Buffer.from('phantom-session-for-tests'));

function answer(redirectLink, params) {
  const url = new URL(redirectLink);
  for (const [k, v] of Object.entries(params)) url.searchParams.append(k, v);
  return url.toString();
}

function encrypt(shared, value) {
  const nonce = nacl.randomBytes(24);
  const data = nacl.box.after(Buffer.from(JSON.stringify(value), 'utf8'), nonce, shared);
  return { nonce: bs58.encode(nonce), data: bs58.encode(data) };
}

// Reads the connect deeplink and approves it; returns the shared secret and the sign request URL.
async function approveConnect(page, phantom, buyer) {
  const connect = await phantom.next('connect');
  const dappKey = bs58.decode(connect.searchParams.get('dapp_encryption_public_key'));
  assert.equal(dappKey.length, 32);
  const redirectLink = connect.searchParams.get('redirect_link');
  assert.ok(redirectLink.startsWith(server.base + '/p/'), redirectLink);
  assert.equal(connect.searchParams.get('app_url'), server.base);
  const shared = nacl.box.before(dappKey, phantomKeys.secretKey);
  const sealed = encrypt(shared, { public_key: buyer.publicKey.toBase58(), session: SESSION });
  await page.goto(answer(redirectLink, { phantom_encryption_public_key: bs58.encode(phantomKeys.publicKey), ...sealed }));
  return { shared, dappKey };
}

test('a phone buyer pays in the Phantom app through the encrypted deeplink protocol', async () => {
  const product = await createProduct(server);
  const buyer = await fundedBuyer(server);
  const { page, context } = await openPage(browser, { viewport: PHONE, mobile: true });
  const phantom = await phantomPhone(context, page);
  try {
    await page.goto(`${server.base}/p/${product.slug}`);
    await waitForReady(page);
    await screenshot(page, 'phone-390x844-product_shown');
    await press(page, 'Pay in the Phantom app', { tap: true });

    const { shared, dappKey } = await approveConnect(page, phantom, buyer);
    const sign = await phantom.next('signTransaction');
    assert.deepEqual(bs58.decode(sign.searchParams.get('dapp_encryption_public_key')), dappKey,
                     'the same dapp key as at connect');
    const plain = nacl.box.open.after(bs58.decode(sign.searchParams.get('payload')),
                                      bs58.decode(sign.searchParams.get('nonce')), shared);
    assert.ok(plain, 'the signTransaction payload decrypts with the shared secret');
    const request = JSON.parse(Buffer.from(plain).toString('utf8'));
    assert.equal(request.session, SESSION);
    const wire = bs58.decode(request.transaction);
    const tx = web3.Transaction.from(Buffer.from(wire));
    assert.ok(tx.feePayer.equals(buyer.publicKey));
    // Phantom signs the message bytes with the wallet key.
    const signature = nacl.sign.detached(tx.serializeMessage(), buyer.secretKey);
    const signed = Uint8Array.from(wire);
    signed.set(signature, 1);
    const sealed = encrypt(shared, { transaction: bs58.encode(signed) });
    await page.goto(answer(sign.searchParams.get('redirect_link'), sealed));

    const done = await waitForState(page, 'confirmed');
    assert.equal(done.route, 'PHANTOM_MOBILE');
    assert.equal(done.buyer_wallet, buyer.publicKey.toBase58());
    assert.equal(done.tx_signature, bs58.encode(signature));
    assert.equal(await page.evaluate(() => window.hilt.live()), 'Payment confirmed.');
    assert.doesNotMatch(page.url(), /phantom_encryption_public_key|nonce|data=/, 'Phantom parameters are dropped');
    await screenshot(page, 'phone-390x844-confirmed');
  } finally {
    await context.close();
  }
});

test('a phone buyer who rejects the connection in Phantom (4001) reads why and can retry', async () => {
  const product = await createProduct(server);
  const { page, context } = await openPage(browser, { viewport: PHONE, mobile: true });
  const phantom = await phantomPhone(context, page);
  try {
    await page.goto(`${server.base}/p/${product.slug}`);
    await waitForReady(page);
    await press(page, 'Pay in the Phantom app', { tap: true });
    const connect = await phantom.next('connect');
    await page.goto(answer(connect.searchParams.get('redirect_link'),
                           { errorCode: '4001', errorMessage: 'User rejected the request.' }));
    const rejected = await waitForState(page, 'wallet_rejected');
    assert.equal(rejected.step, 'connect');
    assert.equal(rejected.code, 4001);
    assert.equal(await page.evaluate(() => window.hilt.live()),
                 'You declined the request in Phantom. You can try again.');
    await screenshot(page, 'phone-390x844-wallet_rejected');
    await press(page, 'Try again', { tap: true });
    await phantom.next('connect'); // a fresh connect deeplink
  } finally {
    await context.close();
  }
});

test('a tampered answer from "Phantom" fails to decrypt and is shown as an error, never sent', async () => {
  const product = await createProduct(server);
  const buyer = await fundedBuyer(server);
  const { page, context } = await openPage(browser, { viewport: PHONE, mobile: true });
  const phantom = await phantomPhone(context, page);
  try {
    await page.goto(`${server.base}/p/${product.slug}`);
    await waitForReady(page);
    await press(page, 'Pay in the Phantom app', { tap: true });
    const { shared } = await approveConnect(page, phantom, buyer);
    const sign = await phantom.next('signTransaction');
    const sealed = encrypt(shared, { transaction: bs58.encode(new Uint8Array(200)) });
    const data = bs58.decode(sealed.data);
    data[data.length - 1] ^= 1; // one flipped bit: the Poly1305 tag no longer verifies
    await page.goto(answer(sign.searchParams.get('redirect_link'), { nonce: sealed.nonce, data: bs58.encode(data) }));
    const rejected = await waitForState(page, 'wallet_rejected');
    assert.equal(rejected.step, 'sign');
    assert.match(rejected.message, /decrypt/);
    const status = await server.api('GET', `/v1/payments/${rejected.payment_id}`);
    assert.equal(status.body.status, 'PENDING_SIGNATURE', 'nothing was broadcast');
    await screenshot(page, 'phone-390x844-tampered_answer');
  } finally {
    await context.close();
  }
});

test('"Open this page in Phantom" continues the same session inside Phantom\'s browser, which pays it', async () => {
  const product = await createProduct(server);
  const buyer = await fundedBuyer(server);
  const { page, context } = await openPage(browser, { viewport: PHONE, mobile: true });
  let paymentId;
  let inside;
  try {
    const phantom = await phantomPhone(context, page);
    await page.goto(`${server.base}/p/${product.slug}`);
    await waitForReady(page);
    // A session exists (the buyer looked at the QR code first), then the buyer switches to Phantom.
    await press(page, 'Pay with another wallet', { tap: true });
    paymentId = (await waitForState(page, 'confirming')).payment_id;
    await press(page, 'Choose another way to pay', { tap: true });
    await waitForState(page, 'product_shown');
    await press(page, 'Open this page in Phantom', { tap: true });
    const opened = new URL(await waitFor(
      () => phantom.opened.find((u) => new URL(u).pathname.startsWith('/ul/browse/')), 'the browse deeplink'));
    const target = new URL(decodeURIComponent(opened.pathname.slice('/ul/browse/'.length)));
    assert.equal(target.searchParams.get('payment'), paymentId);
    assert.equal(opened.searchParams.get('ref'), server.base);

    // Phantom's in-app browser: the provider is injected; the page opens on the browse target.
    inside = await openPage(browser, { viewport: PHONE, mobile: true, initScripts: [fakePhantomScript(buyer)] });
    await inside.page.goto(target.toString());
    await waitForReady(inside.page);
    const shown = await waitForState(inside.page, 'product_shown');
    assert.equal(shown.payment_id, paymentId, 'the same session, not a new one');
    await press(inside.page, 'Pay with Phantom', { tap: true });
    const done = await waitForState(inside.page, 'confirmed');
    assert.equal(done.payment_id, paymentId);
    assert.equal(done.buyer_wallet, buyer.publicKey.toBase58());
  } finally {
    await inside?.context.close();
    await context.close();
  }
  const trail = await server.api('GET', `/v1/products/${product.product_id}/payments`, undefined, server.merchant);
  assert.deepEqual(trail.body.data.map((p) => [p.payment_id, p.status]), [[paymentId, 'CONFIRMED']],
                   'one session, paid once');
});

test('a phone buyer of an AUTOMATIC product reads the renewal approval before Phantom opens to sign', async () => {
  const merchant = createSubscriptionsWorkspace(server, 'Renewals Guild');
  const product = await createProduct(server, {
    title: 'Renewals Guild monthly pass',
    membership_config: { enabled: true, platform: 'DISCORD', identity_type: 'WALLET', renewal_mode: 'AUTOMATIC',
                         billing_interval_days: 30, grace_period_days: 2 },
  }, merchant);
  const buyer = await fundedBuyer(server);
  const { page, context } = await openPage(browser, { viewport: PHONE, mobile: true });
  const phantom = await phantomPhone(context, page);
  try {
    await page.goto(`${server.base}/p/${product.slug}`);
    await waitForReady(page);
    const shown = await waitForState(page, 'product_shown');
    assert.match(shown.renewal_terms, /^Renews automatically: 12\.50 USDC every 30 days until you cancel\./);
    await screenshot(page, 'phone-390x844-subscription-product_shown');
    await press(page, 'Pay in the Phantom app', { tap: true });
    const { shared } = await approveConnect(page, phantom, buyer);

    // Back from the connect deeplink: the transaction is built, and held until the buyer has read it.
    const held = await waitForState(page, 'awaiting_signature');
    assert.equal(held.held, true);
    const words = "Renews automatically. You also allow Hilt to take up to 150.00 USDC from this wallet's USDC: " +
      '12.50 USDC every 30 days, for up to 12 renewals. Cancel any time by revoking this approval in your wallet.';
    assert.equal(held.approval.text, words);
    assert.equal(await page.evaluate(() => window.hilt.live()),
                 `Read the renewal approval, then continue in Phantom. ${words}`);
    assert.ok(!phantom.opened.some((u) => new URL(u).pathname === '/ul/v1/signTransaction'),
              'Phantom is not asked to sign yet');
    await screenshot(page, 'phone-390x844-subscription-awaiting_signature_held');

    await press(page, 'Continue in Phantom', { tap: true });
    const sign = await phantom.next('signTransaction');
    const plain = nacl.box.open.after(bs58.decode(sign.searchParams.get('payload')),
                                      bs58.decode(sign.searchParams.get('nonce')), shared);
    const wire = bs58.decode(JSON.parse(Buffer.from(plain).toString('utf8')).transaction);
    const tx = web3.Transaction.from(Buffer.from(wire));
    const signed = Uint8Array.from(wire);
    signed.set(nacl.sign.detached(tx.serializeMessage(), buyer.secretKey), 1);
    await page.goto(answer(sign.searchParams.get('redirect_link'), encrypt(shared, { transaction: bs58.encode(signed) })));

    const done = await waitForState(page, 'confirmed');
    assert.equal(done.route, 'PHANTOM_MOBILE');
    const memberships = await server.api('GET', `/v1/memberships?product_id=${product.product_id}`, undefined, merchant);
    assert.equal(memberships.status, 200, memberships.text);
    assert.equal(memberships.body.data[0]?.subscription?.approved, true, memberships.text);
  } finally {
    await context.close();
  }
});
