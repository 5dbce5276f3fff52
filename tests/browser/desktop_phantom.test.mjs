// The desktop buyer with the Phantom extension: a fake provider injected into the page signs with
// tweetnacl (a real ed25519 signature over the real message bytes the server built), the checkout
// broadcasts through hiltd's sandbox chain, and the page reaches CONFIRMED with the delivery shown
// and the aria-live region saying so. Also: the buyer declines in Phantom, then tries again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import bs58 from 'bs58';
import web3 from '@solana/web3.js';
import {
  useCheckoutServer, createProduct, fundedBuyer, openPage, fakePhantomScript,
  waitForReady, waitForState, press, action, screenshot, hiltState, DESKTOP,
} from './support.mjs';

const env = useCheckoutServer();

test('a desktop buyer pays with the Phantom extension and sees the confirmed delivery', async () => {
  const product = await createProduct(env.server);
  const buyer = await fundedBuyer(env.server);
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP,
                                                      initScripts: [fakePhantomScript(buyer)] });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    await waitForReady(page);
    await waitForState(page, 'product_shown');
    await screenshot(page, 'desktop-1280x800-product_shown');
    const pay = await action(page, 'Pay with Phantom');
    assert.ok(pay.w >= 44 && pay.h >= 44, `touch target ${pay.w}x${pay.h}`);

    await press(page, 'Pay with Phantom');
    const done = await waitForState(page, 'confirmed');
    await screenshot(page, 'desktop-1280x800-confirmed');
    assert.equal(done.route, 'PHANTOM_EXTENSION');
    assert.equal(done.buyer_wallet, buyer.publicKey.toBase58());
    assert.equal(done.delivery_type, 'INVITE_LINK');
    assert.match(done.membership_period_end_at, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(await page.evaluate(() => window.__phantomCalls), ['connect', 'signTransaction']);

    // The server recorded the transaction the fake Phantom signed, and its signature verifies.
    const status = await env.server.api('GET', `/v1/payments/${done.payment_id}`);
    assert.equal(status.body.status, 'CONFIRMED');
    assert.equal(status.body.tx_signature, done.tx_signature);
    // Read back with web3.js: the wire bytes Phantom returned carry the buyer's valid signature.
    const signed = web3.Transaction.from(Buffer.from(await page.evaluate(() => window.__phantomSigned)));
    assert.ok(signed.feePayer.equals(buyer.publicKey));
    assert.ok(signed.verifySignatures(), 'the signature verifies over the message bytes');
    assert.equal(bs58.encode(signed.signature), done.tx_signature);
    assert.equal(status.body.buyer_wallet, buyer.publicKey.toBase58());

    // Accessibility: the live region says so; the shell's text is still there for screen readers.
    assert.equal(await page.evaluate(() => window.hilt.live()), 'Payment confirmed.');
    assert.equal(await page.locator('#hilt-live').getAttribute('aria-live'), 'polite');
    assert.equal(await page.locator('#product-title').textContent(), product.title);
    const said = await page.evaluate(() => window.hilt.announcements);
    for (const sentence of ['Approve the connection in Phantom.', 'Review and approve the payment in Phantom.',
                            'Sending your payment.', 'Payment sent. Waiting for confirmation.']) {
      assert.ok(said.includes(sentence), `announced "${sentence}": ${JSON.stringify(said)}`);
    }

    // The delivery: the invite link can be copied.
    await press(page, 'Copy link');
    await page.waitForFunction(() => window.hilt.copied.length > 0);
    assert.deepEqual(await page.evaluate(() => window.hilt.copied), ['https://discord.gg/lumen-guild']);
    assert.ok(await action(page, 'Open invite'));
  } finally {
    await context.close();
  }
});

test('a buyer who declines in Phantom is told so in words and can try again', async () => {
  const product = await createProduct(env.server);
  const buyer = await fundedBuyer(env.server);
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP,
                                                      initScripts: [fakePhantomScript(buyer, { rejectSign: 4001 })] });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    await waitForReady(page);
    await press(page, 'Pay with Phantom');
    const rejected = await waitForState(page, 'wallet_rejected');
    assert.equal(rejected.step, 'sign');
    assert.equal(rejected.code, 4001);
    assert.equal(await page.evaluate(() => window.hilt.live()),
                 'You declined the request in Phantom. You can try again.');
    await screenshot(page, 'desktop-1280x800-wallet_rejected');

    // The buyer changes their mind: Retry asks Phantom again, and this time it signs.
    await page.evaluate(() => { window.__phantomBehaviour.rejectSign = 0; });
    await press(page, 'Try again');
    const done = await waitForState(page, 'confirmed');
    assert.equal(done.buyer_wallet, buyer.publicKey.toBase58());
    assert.deepEqual(await page.evaluate(() => window.__phantomCalls),
                     ['connect', 'signTransaction', 'signTransaction']);
  } finally {
    await context.close();
  }
});

test('keyboard: Tab walks the buttons, Enter presses the focused one, Escape goes back', async () => {
  const product = await createProduct(env.server);
  const buyer = await fundedBuyer(env.server);
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP,
                                                      initScripts: [fakePhantomScript(buyer, { rejectConnect: 4001 })] });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    await waitForReady(page);
    await waitForState(page, 'product_shown');
    await page.keyboard.press('Tab');
    await page.waitForFunction(() => window.hilt.actions().some((a) => a.focused));
    const focused = (await page.evaluate(() => window.hilt.actions())).find((a) => a.focused);
    assert.equal(focused.label, 'Pay with Phantom');
    await screenshot(page, 'desktop-1280x800-keyboard_focus');
    await page.keyboard.press('Enter');
    const rejected = await waitForState(page, 'wallet_rejected');
    assert.equal(rejected.step, 'connect');
    await page.keyboard.press('Escape');
    await waitForState(page, 'product_shown');
  } finally {
    await context.close();
  }
});
