// Any wallet by QR: the page draws the session's Solana Pay URL as a QR code; the test screenshots
// the canvas, decodes it with zbarimg (zbar-tools), follows the transaction request it names
// (GET label/icon, POST account) as a wallet would, signs the transaction with web3.js and sends it
// through hiltd's own broadcast route (the sandbox chain accepts nothing else); the page, polling
// the payment's status, reaches CONFIRMED.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import web3 from '@solana/web3.js';
import {
  launchBrowser, startCheckoutServer, createProduct, fundedBuyer, openPage, waitForReady, waitForState,
  press, screenshot, screenshotPath, DESKTOP, PHONE,
} from './support.mjs';

let server;
let browser;
before(async () => {
  server = await startCheckoutServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.cleanup();
});

function decodeQr(png) {
  const out = execFileSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' }).trim();
  assert.ok(out.length > 0, 'zbarimg found a code');
  return out;
}

async function payFromWallet(solanaPayUrl, buyer) {
  assert.match(solanaPayUrl, /^solana:/);
  const link = decodeURIComponent(solanaPayUrl.slice('solana:'.length));
  const paymentId = /\/v1\/solana-pay\/(pay_[A-Za-z0-9]+)$/.exec(link)?.[1];
  assert.ok(paymentId, `a transaction request link: ${link}`);

  const info = await (await fetch(link)).json();
  assert.equal(typeof info.label, 'string');
  const icon = await fetch(info.icon);
  assert.equal(icon.status, 200, `icon ${info.icon}`);
  assert.match(icon.headers.get('content-type'), /^image\/svg\+xml/);

  const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/json' },
                                  body: JSON.stringify({ account: buyer.publicKey.toBase58() }) });
  assert.equal(res.status, 200);
  const { transaction } = await res.json();
  const tx = web3.Transaction.from(Buffer.from(transaction, 'base64'));
  assert.ok(tx.feePayer.equals(buyer.publicKey));
  tx.sign(buyer);
  const sent = await server.api('POST', `/v1/payments/${paymentId}/broadcast`,
                                { signed_transaction: tx.serialize().toString('base64') });
  assert.equal(sent.status, 200, sent.text);
  return paymentId;
}

for (const [name, viewport, mobile] of [['1280x800', DESKTOP, false], ['390x844', PHONE, true]]) {
  test(`a buyer at ${name} scans the QR code with another wallet and the page confirms`, async () => {
    const product = await createProduct(server);
    const buyer = await fundedBuyer(server);
    const { page, context } = await openPage(browser, { viewport, mobile });
    try {
      await page.goto(`${server.base}/p/${product.slug}`);
      await waitForReady(page);
      await press(page, mobile ? 'Pay with another wallet' : 'Pay with a QR code', { tap: mobile });
      const waiting = await waitForState(page, 'confirming');
      assert.equal(waiting.external, true);
      assert.equal(await page.evaluate(() => window.hilt.live()),
                   'Scan the QR code with your wallet app to pay.');
      await screenshot(page, `qr-${name}-confirming`);
      const png = screenshotPath(`qr-${name}-canvas`);
      await page.locator('#canvas').screenshot({ path: png });
      const url = decodeQr(png);

      // The same link is offered for copying.
      await press(page, 'Copy payment link', { tap: mobile });
      await page.waitForFunction(() => window.hilt.copied.length > 0);
      assert.deepEqual(await page.evaluate(() => window.hilt.copied), [url]);

      const paymentId = await payFromWallet(url, buyer);
      assert.equal(paymentId, waiting.payment_id);
      const done = await waitForState(page, 'confirmed');
      assert.equal(done.route, 'SOLANA_PAY_QR');
      assert.equal(await page.evaluate(() => window.hilt.live()), 'Payment confirmed.');
      await screenshot(page, `qr-${name}-confirmed`);
    } finally {
      await context.close();
    }
  });
}
