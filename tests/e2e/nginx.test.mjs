// The production shape end to end: Debian's nginx with the shipped deploy/nginx.conf in front of the
// hiltd binary (its SQLite file, the sandbox chain, its own checkout assets folder). A buyer's whole
// public journey goes through nginx: the payload and the page (micro-cached), an asset (served by
// nginx from disk, gzip_static), connect, transaction (signed with @solana/web3.js), broadcast,
// confirm, payment status. Then a price change and an archive must show through the micro-cache
// within its bound, POSTs and /v1/payments/* are never answered from the cache, every payload view
// (micro-cache hits too) reaches the analytics exactly once through nginx's view log, and a client
// cannot choose the X-Real-IP hiltd rate-limits by. nginx missing is a failure, not a skip: scripts/setup
// installs it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import web3 from '@solana/web3.js';
import bs58 from 'bs58';
import { jsonClient, startHiltd, waitFor } from './hiltd.mjs';
import { startNginx, viewsLogPath } from './nginx.mjs';

const { Keypair, Transaction } = web3;
const PRICE = 12_500_000; // 12.50 USDC
const NEW_PRICE = 15_000_000;
// hiltd sends X-Accel-Expires: @<current second>, so nginx drops a micro-cached answer at the end of
// the second it was made in: a change shows within 1 s (deploy/nginx.conf). The slack covers the
// polling interval and a loaded CI machine.
const CHANGE_VISIBLE_MS = 1_500;
const POLL_MS = 50;
// Confirmation polls stay under hiltd's public rate limit (10/s per client; through nginx the
// whole test is one client, 127.0.0.1).
const CONFIRM_POLL_MS = 250;

const dir = mkdtempSync(join(tmpdir(), 'hilt-nginx-'));
const assetsDir = join(dir, 'assets');
mkdirSync(assetsDir);
const SCRIPT = 'console.log("hilt checkout");\n'.repeat(64);
const SCRIPT_GZ = gzipSync(Buffer.from(SCRIPT));
writeFileSync(join(assetsDir, 'checkout.3f2a9c1d.js'), SCRIPT);
writeFileSync(join(assetsDir, 'checkout.3f2a9c1d.js.gz'), SCRIPT_GZ);
writeFileSync(join(assetsDir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
writeFileSync(join(assetsDir, '.env'), 'SECRET=1');

// nginx logs payload views to a file hiltd follows (deploy/nginx.conf @VIEWS_LOG@, --view-report-log):
// hiltd starts first and waits for nginx to create it.
const viewsLog = viewsLogPath(dir);
const hiltd = await startHiltd(['--assets-dir', assetsDir, '--view-report-log', viewsLog]);
let nginx;
let via; // fetch through nginx + JSON: (method, path, body?, headers?) -> { status, body, text, headers }
try {
  nginx = await startNginx({ dir, hiltdBase: hiltd.base, assetsDir });
  via = jsonClient(nginx.base);
} catch (error) {
  await hiltd.cleanup();
  rmSync(dir, { recursive: true, force: true });
  throw error;
}
after(async () => {
  await nginx.stop();
  await hiltd.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const key = hiltd.createMerchant('Nginx Guild');
const merchant = { 'x-hilt-key': key };

// A GET through nginx without fetch's transparent decompression: { status, headers, body: Buffer }.
function rawGet(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(nginx.base + path, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function createProduct(title) {
  const res = await via('POST', '/v1/products', {
    product_type: 'PAYMENT_LINK',
    title,
    amount_minor_units: PRICE,
    merchant_wallet: Keypair.generate().publicKey.toBase58(),
    delivery_type: 'INVITE_LINK',
    delivery_value: 'https://discord.gg/nginx-guild',
  }, merchant);
  assert.equal(res.status, 201, res.text);
  return res.body;
}

// Polls until `probe` holds; returns the milliseconds it took from `since`.
async function visibleAfter(since, probe, what) {
  await waitFor(probe, what, CHANGE_VISIBLE_MS + 2_000);
  return Date.now() - since;
}

// A read of `path` that the micro-cache answers: the cache is filled, then read. An entry lives until the end of
// the second it was stored in, so a fill just before a second boundary reads EXPIRED next: fill again then (at
// most three tries; a cache that never answers still reads MISS or EXPIRED, and the caller's assertion fails).
async function cachedRead(path) {
  let answer = null;
  for (let attempt = 0; attempt < 3 && answer?.headers.get('x-hilt-cache') !== 'HIT'; attempt++) {
    await via('GET', path);
    answer = await via('GET', path);
  }
  return answer;
}

test('a buyer pays through nginx: payload, page, asset, connect, sign, broadcast, confirm, status', async () => {
  const product = await createProduct('Nginx monthly pass');
  const payloadPath = `/v1/products/p/${product.slug}`;

  // The payload: hiltd's answer, then the micro-cache's copy of it.
  const first = await via('GET', payloadPath);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.delivery_value, undefined, 'the public payload never carries the delivery');
  assert.equal(first.body.amount_minor_units, PRICE);
  const etag = first.headers.get('etag');
  assert.match(etag ?? '', /^"[0-9a-f]{32}"$/);
  const second = await cachedRead(payloadPath);
  assert.equal(second.headers.get('x-hilt-cache'), 'HIT', 'the second read comes from the micro-cache');
  assert.equal(second.headers.get('etag'), etag);
  assert.equal(second.text, first.text);
  const revalidated = await via('GET', payloadPath, undefined, { 'if-none-match': etag });
  assert.equal(revalidated.status, 304, 'nginx answers If-None-Match from its copy');

  // The page: real HTML with hiltd's CSP, cached like the payload.
  const page = await via('GET', `/p/${product.slug}`);
  assert.equal(page.status, 200, page.text);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.ok(page.text.includes('Nginx monthly pass'), 'the title is real text in the page');
  assert.ok(page.headers.get('content-security-policy'), 'hiltd\'s CSP passes through');
  const pageAgain = await cachedRead(`/p/${product.slug}`);
  assert.equal(pageAgain.headers.get('x-hilt-cache'), 'HIT');

  // An asset: nginx serves it from disk (hiltd stamps X-Request-Id on everything it answers).
  const gz = await rawGet('/assets/checkout.3f2a9c1d.js', { 'accept-encoding': 'gzip' });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['x-request-id'], undefined, 'served by nginx, not proxied to hiltd');
  assert.equal(gz.headers['content-encoding'], 'gzip', 'gzip_static sends the .gz sibling');
  assert.deepEqual(gz.body, SCRIPT_GZ);
  assert.equal(gz.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.match(gz.headers.vary ?? '', /Accept-Encoding/);
  assert.equal(gz.headers['content-type'], 'application/javascript');
  assert.ok(gz.headers.etag && gz.headers['last-modified']);
  assert.equal(gz.headers['x-content-type-options'], 'nosniff');
  const plain = await rawGet('/assets/checkout.3f2a9c1d.js');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body.toString(), SCRIPT);
  const notModified = await rawGet('/assets/checkout.3f2a9c1d.js', { 'if-none-match': plain.headers.etag });
  assert.equal(notModified.status, 304);
  const icon = await rawGet('/assets/icon.svg');
  assert.equal(icon.status, 200);
  assert.equal(icon.headers['cache-control'], 'no-cache', 'an unhashed name is revalidated');
  assert.equal(icon.headers['content-type'], 'image/svg+xml');
  assert.equal((await rawGet('/assets/.env')).status, 404, 'hidden files are never served');
  const missing = await rawGet('/assets/nope.3f2a9c1d.js');
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['x-request-id'], undefined);

  // Fund a buyer on the sandbox chain, then the checkout's calls, all through nginx.
  const buyer = Keypair.generate();
  for (const [asset, amount] of [['SOL', 1_000_000_000], ['USDC', PRICE]]) {
    const res = await via('POST', '/v1/sandbox/airdrop',
                          { wallet: buyer.publicKey.toBase58(), asset, amount_minor_units: amount });
    assert.equal(res.status, 200, res.text);
  }
  const session = await via('POST', `${payloadPath}/connect`, {});
  assert.equal(session.status, 201, session.text);
  assert.equal(session.headers.get('x-hilt-cache'), null, 'connect is not a cached location');
  const another = await via('POST', `${payloadPath}/connect`, {});
  assert.equal(another.status, 201, another.text);
  assert.notEqual(another.body.payment_id, session.body.payment_id, 'each POST reaches hiltd');
  const paymentId = session.body.payment_id;

  const built = await via('POST', `/v1/payments/${paymentId}/transaction`,
                          { buyer_wallet: buyer.publicKey.toBase58() });
  assert.equal(built.status, 200, built.text);
  const tx = Transaction.from(Buffer.from(built.body.transaction, 'base64'));
  assert.ok(tx.feePayer.equals(buyer.publicKey));
  tx.sign(buyer);

  // Status before and right after broadcast: the change shows at once (never cached).
  const before = await via('GET', `/v1/payments/${paymentId}`);
  assert.equal(before.status, 200, before.text);
  assert.equal(before.body.status, 'PENDING_SIGNATURE');
  assert.equal(before.headers.get('cache-control'), 'no-store');
  assert.equal(before.headers.get('x-hilt-cache'), null);
  const sent = await via('POST', `/v1/payments/${paymentId}/broadcast`,
                         { signed_transaction: tx.serialize().toString('base64') });
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.body.tx_signature, bs58.encode(tx.signature));
  const rightAfter = await via('GET', `/v1/payments/${paymentId}`);
  assert.equal(rightAfter.body.status, 'PENDING_CONFIRMATION', 'the next read already shows the broadcast');

  const confirmed = await waitFor(async () => {
    const res = await via('POST', `/v1/payments/${paymentId}/confirm`, {});
    assert.equal(res.status, 200, res.text);
    if (res.body.status === 'CONFIRMED') return res.body;
    await new Promise((r) => setTimeout(r, CONFIRM_POLL_MS));
    return null;
  }, 'confirmation through nginx');
  assert.equal(confirmed.delivery_value, 'https://discord.gg/nginx-guild');
  const status = await via('GET', `/v1/payments/${paymentId}`);
  assert.equal(status.status, 200, status.text);
  assert.equal(status.body.status, 'CONFIRMED');
  assert.equal(status.body.tx_signature, sent.body.tx_signature);
  assert.equal(status.body.delivery_value, 'https://discord.gg/nginx-guild');
});

test('a price change and an archive show through the micro-cache within its bound', async () => {
  const product = await createProduct('Nginx price and archive');
  const payloadPath = `/v1/products/p/${product.slug}`;
  const pagePath = `/p/${product.slug}`;
  // Fill the cache, and check it answers: otherwise the bounds below would prove nothing.
  for (const path of [payloadPath, pagePath]) {
    assert.equal((await cachedRead(path)).headers.get('x-hilt-cache'), 'HIT', path);
  }

  const patched = await via('PATCH', `/v1/products/${product.product_id}`,
                            { amount_minor_units: NEW_PRICE }, merchant);
  assert.equal(patched.status, 200, patched.text);
  const priceSeenMs = await visibleAfter(Date.now(), async () => {
    const res = await via('GET', payloadPath);
    if (res.status === 200 && res.body.amount_minor_units === NEW_PRICE) return true;
    await new Promise((r) => setTimeout(r, POLL_MS));
    return false;
  }, 'the new price through nginx');
  assert.ok(priceSeenMs <= CHANGE_VISIBLE_MS, `the new price showed after ${priceSeenMs} ms`);

  await via('GET', payloadPath);
  assert.equal((await via('GET', payloadPath)).headers.get('x-hilt-cache'), 'HIT');
  const archived = await via('DELETE', `/v1/products/${product.product_id}`, undefined, merchant);
  assert.equal(archived.status, 200, archived.text);
  const archiveStart = Date.now();
  const goneMs = await visibleAfter(archiveStart, async () => {
    const res = await via('GET', payloadPath);
    if (res.status === 410) {
      assert.equal(res.body.error.code, 'product_archived');
      return true;
    }
    assert.equal(res.status, 200, res.text);
    await new Promise((r) => setTimeout(r, POLL_MS));
    return false;
  }, 'the archive through nginx');
  assert.ok(goneMs <= CHANGE_VISIBLE_MS, `the payload answered 410 after ${goneMs} ms`);
  const pageGoneMs = await visibleAfter(archiveStart, async () => {
    const res = await via('GET', pagePath);
    if (res.status === 410) return true;
    await new Promise((r) => setTimeout(r, POLL_MS));
    return false;
  }, 'the archived page through nginx');
  assert.ok(pageGoneMs <= CHANGE_VISIBLE_MS, `the page answered 410 after ${pageGoneMs} ms`);
  console.log(`# micro-cache: price visible after ${priceSeenMs} ms, archive after ${goneMs} ms ` +
              `(page ${pageGoneMs} ms); bound ${CHANGE_VISIBLE_MS} ms`);
});

// hiltd's page says unsafe-none as its opener policy to a load the buyer started (Sec-Fetch-Site: none) and
// same-origin-allow-popups to one another site led to, with Vary: Sec-Fetch-Site: the micro-cache must keep
// the two apart, or a page cached for a typed URL would reach a cross-site opener without its policy.
test('the micro-cache keeps the two opener policies of the page apart', async () => {
  const product = await createProduct('Nginx opener policy');
  const pagePath = `/p/${product.slug}`;
  const read = async (site) => {
    const res = await rawGet(pagePath, { 'sec-fetch-site': site });
    assert.equal(res.status, 200);
    assert.equal(res.headers['cross-origin-opener-policy'], site === 'none' ? 'unsafe-none' : 'same-origin-allow-popups',
                 `Sec-Fetch-Site: ${site}, cache ${res.headers['x-hilt-cache']}`);
    return res.headers['x-hilt-cache'];
  };
  // Both variants filled, then both read back from the cache (within one second: three tries, as cachedRead).
  let hits = [null, null];
  for (let attempt = 0; attempt < 3 && !hits.every((h) => h === 'HIT'); attempt++) {
    await read('cross-site');
    await read('none');
    hits = [await read('cross-site'), await read('none')];
  }
  assert.deepEqual(hits, ['HIT', 'HIT']);
});

test('every payload view counts in the analytics, those answered from the micro-cache too', async () => {
  const product = await createProduct('Nginx counted views');
  const payloadPath = `/v1/products/p/${product.slug}`;
  const VIEWS = 12;
  let hits = 0;
  let etag;
  for (let i = 0; i < VIEWS; ++i) {
    // Some revalidate with the ETag (a 304 is a view too); a client's own X-Hilt-View is replaced.
    const headers = i % 3 === 2 && etag ? { 'if-none-match': etag } : { 'x-hilt-view': 'forwarded' };
    const res = await via('GET', payloadPath, undefined, headers);
    assert.equal(res.status, i % 3 === 2 && etag ? 304 : 200, res.text);
    etag ??= res.headers.get('etag');
    if (res.headers.get('x-hilt-cache') === 'HIT') ++hits;
    // At hiltd's sustained public rate (10/s per client): a forwarded GET over it would be a 429.
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(hits > 0, 'some views were answered from the micro-cache, never reaching hiltd as a payload GET');
  await via('GET', `/p/${product.slug}`);  // the page is not a payload view
  await via('GET', `${payloadPath}-gone`);  // a 404 is not a view (nginx does not log it)
  const analyticsPath = `/v1/products/${product.product_id}/analytics`;
  const payloadViews = async (path) => {
    const res = await via('GET', path, undefined, merchant);
    assert.equal(res.status, 200, res.text);
    return res.body.funnel.payload_views;
  };
  // nginx writes its buffered view log at least once a second and hiltd reads it every 250 ms: wait for the
  // count to appear.
  await waitFor(async () => (await payloadViews(analyticsPath)) >= VIEWS, `${VIEWS} payload views in the analytics`,
                10_000);
  // None counts twice: the log holds one line per view (and none for the page or the 404), and once a later
  // view of another product is counted, hiltd has read past every line before it.
  const logged = (path) => (existsSync(viewsLog) ? readFileSync(viewsLog, 'utf8') : '')
    .split('\n').filter((line) => line === path).length;
  await waitFor(() => logged(payloadPath) === VIEWS, `${VIEWS} lines in the view log`, 10_000);
  assert.equal(logged(`/p/${product.slug}`) + logged(`${payloadPath}-gone`), 0, 'only payload views are logged');
  const marker = await createProduct('Nginx counted views, the marker');
  assert.equal((await via('GET', `/v1/products/p/${marker.slug}`)).status, 200);
  await waitFor(async () => (await payloadViews(`/v1/products/${marker.product_id}/analytics`)) === 1,
                'the later view counted', 10_000);
  assert.equal(await payloadViews(analyticsPath), VIEWS, 'each view counts exactly once');
  console.log(`# views: ${VIEWS} counted through the view log, ${hits} of them answered from the micro-cache`);
});

// Last: it spends this test's rate-limit budget (every request through nginx is 127.0.0.1).
test('a client cannot choose the address hiltd rate-limits by', async () => {
  let limited = null;
  for (let i = 0; i < 100 && !limited; ++i) {
    const res = await via('GET', '/v1/payments/pay_doesnotexist', undefined, {
      'x-real-ip': `203.0.113.${i % 250}`,
      'x-forwarded-for': `198.51.100.${i % 250}`,
    });
    if (res.status === 429) limited = { i, res };
    else assert.equal(res.status, 404, res.text);
  }
  // Earlier tests spent part of the same bucket, so only "limited at all" is certain.
  assert.ok(limited, 'spoofed X-Real-IP headers let one client past the public rate limit');
  assert.ok(Number(limited.res.headers.get('retry-after')) >= 1);
});
