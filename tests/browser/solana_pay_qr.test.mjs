// Any wallet by QR: the page draws the session's Solana Pay URL as a QR code; the test screenshots
// the canvas, decodes it with zbarimg (zbar-tools) and pays it as a wallet would, and the page, polling the
// payment's status, reaches CONFIRMED. Two wallets, two URLs:
//  - hiltd public over https (a TLS proxy on loopback, sandbox chain): the QR is the transaction request;
//    the wallet follows it (GET label/icon, POST account) over https, signs with web3.js and sends through
//    hiltd's broadcast route (the sandbox chain accepts nothing else);
//  - hiltd on plain http with a real Solana runtime (LiteSVM behind its JSON-RPC adapter): the QR is the
//    transfer request; @solana/pay's parseURL and createTransfer build the transfer, web3.js signs and sends
//    it to the node, and hiltd's watcher finds it by its reference.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import web3 from '@solana/web3.js';
import { createTransfer, parseURL } from '@solana/pay';
import {
  launchBrowser, startCheckoutServer, startHttpsCheckoutServer, createProduct, fundedBuyer, openPage,
  waitForReady, waitForState, press, screenshot, screenshotPath, DESKTOP, PHONE,
} from './support.mjs';
import { startChain } from '../e2e/chains.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

// A request over https trusting the test's own certificate authority: {status, headers, text}; a body is
// POSTed as JSON.
function httpsFetch(url, ca, body) {
  return new Promise((resolveRequest, reject) => {
    const req = httpsRequest(url, {
      ca, method: body ? 'POST' : 'GET', headers: body ? { 'content-type': 'application/json' } : {},
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolveRequest({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

function decodeQr(png) {
  const out = execFileSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' }).trim();
  assert.ok(out.length > 0, 'zbarimg found a code');
  return out;
}

// The transaction request wallet: GET shows who asks, POST builds the transaction for this account.
async function payTransactionRequest(server, solanaPayUrl, buyer) {
  const { link } = parseURL(solanaPayUrl);
  assert.equal(link.origin, server.base);
  const paymentId = /\/v1\/solana-pay\/(pay_[A-Za-z0-9]+)$/.exec(link.pathname)?.[1];
  assert.ok(paymentId, `a transaction request link: ${link}`);

  const info = await httpsFetch(link, server.ca);
  assert.equal(info.status, 200, info.text);
  const { label, icon } = JSON.parse(info.text);
  assert.equal(typeof label, 'string');
  const image = await httpsFetch(icon, server.ca);
  assert.equal(image.status, 200, `icon ${icon}`);
  assert.match(image.headers['content-type'], /^image\/svg\+xml/);

  const res = await httpsFetch(link, server.ca, { account: buyer.publicKey.toBase58() });
  assert.equal(res.status, 200, res.text);
  const tx = web3.Transaction.from(Buffer.from(JSON.parse(res.text).transaction, 'base64'));
  assert.ok(tx.feePayer.equals(buyer.publicKey));
  tx.sign(buyer);
  const sent = await server.api('POST', `/v1/payments/${paymentId}/broadcast`,
                                { signed_transaction: tx.serialize().toString('base64') });
  assert.equal(sent.status, 200, sent.text);
  return paymentId;
}

// The transfer request wallet: everything from the URL, built by @solana/pay, sent to the node.
async function payTransferRequest(chain, solanaPayUrl, buyer) {
  const fields = parseURL(solanaPayUrl);
  assert.ok(fields.recipient && fields.amount && fields.splToken && fields.reference?.length === 1,
            `a transfer request: ${solanaPayUrl}`);
  const connection = new web3.Connection(chain.rpc.url, 'confirmed');
  const tx = await createTransfer(connection, buyer.publicKey, fields);
  tx.sign(buyer);
  await connection.sendRawTransaction(tx.serialize());
  return fields.memo;
}

// Opens the checkout, chooses the QR route, decodes the code and checks the copy button offers the same URL.
async function scanQr(server, product, { name, viewport, mobile }) {
  const { page, context } = await openPage(browser, { viewport, mobile });
  await page.goto(`${server.base}/p/${product.slug}`);
  await waitForReady(page);
  await press(page, mobile ? 'Pay with another wallet' : 'Pay with a QR code', { tap: mobile });
  const waiting = await waitForState(page, 'confirming');
  assert.equal(waiting.external, true);
  assert.equal(await page.evaluate(() => window.hilt.live()), 'Scan the QR code with your wallet app to pay.');
  await screenshot(page, `qr-${name}-confirming`);
  const png = screenshotPath(`qr-${name}-canvas`);
  await page.locator('#canvas').screenshot({ path: png });
  const url = decodeQr(png);
  await press(page, 'Copy payment link', { tap: mobile });
  await page.waitForFunction(() => window.hilt.copied.length > 0);
  assert.deepEqual(await page.evaluate(() => window.hilt.copied), [url]);
  return { page, context, url, paymentId: waiting.payment_id };
}

async function expectConfirmed(page, name) {
  const done = await waitForState(page, 'confirmed');
  assert.equal(done.route, 'SOLANA_PAY_QR');
  assert.equal(await page.evaluate(() => window.hilt.live()), 'Payment confirmed.');
  await screenshot(page, `qr-${name}-confirmed`);
}

test('a buyer at 1280x800 scans the QR code of an https checkout: the wallet follows the transaction request',
     async () => {
  const server = await startHttpsCheckoutServer();
  try {
    const product = await createProduct(server);
    const buyer = await fundedBuyer(server);
    const { page, context, url, paymentId } = await scanQr(server, product,
                                                             { name: '1280x800', viewport: DESKTOP, mobile: false });
    try {
      assert.equal(await payTransactionRequest(server, url, buyer), paymentId);
      await expectConfirmed(page, '1280x800');
    } finally {
      await context.close();
    }
  } finally {
    await server.cleanup();
  }
});

test('a buyer at 390x844 scans the QR code on a real Solana runtime: the wallet pays the transfer request',
     async () => {
  const chain = await startChain('litesvm');
  const server = await startCheckoutServer(chain.hiltdArgs);
  try {
    const merchant = web3.Keypair.generate().publicKey.toBase58();
    // The merchant's wallet and USDC account exist, as a real merchant's do.
    await chain.fund(server, merchant, { lamports: 1_000_000_000, usdc: 1 });
    const product = await createProduct(server, { merchant_wallet: merchant });
    const buyer = web3.Keypair.generate();
    await chain.fund(server, buyer.publicKey.toBase58(), { lamports: 1_000_000_000, usdc: 50_000_000 });
    const { page, context, url, paymentId } = await scanQr(server, product,
                                                             { name: '390x844', viewport: PHONE, mobile: true });
    try {
      assert.equal(await payTransferRequest(chain, url, buyer), paymentId, 'the memo names the payment');
      await expectConfirmed(page, '390x844');
      const paid = await server.api('GET', `/v1/payments/${paymentId}`);
      assert.ok(paid.body.fee_outstanding_minor_units > 0, 'the fee travelled with the price');
    } finally {
      await context.close();
    }
  } finally {
    await server.cleanup();
    await chain.stop();
  }
});
