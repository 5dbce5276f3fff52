// The merchant's QR image of a checkout link (GET /v1/products/{id}/qr.svg, server/routes/qr.h):
// Chromium renders the SVG hiltd wrote, zbarimg (zbar-tools) reads the rendering, and the text it
// finds must be the product's checkout_url. Also: another merchant's key gets a 404.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { useCheckoutServer, createProduct, screenshotPath } from './support.mjs';

const env = useCheckoutServer();

async function fetchSvg(productId, headers) {
  const res = await fetch(`${env.server.base}/v1/products/${productId}/qr.svg`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

// Renders `svg` as an image `cssSize` px wide and returns what zbarimg reads in it.
async function decodeRendered(svg, cssSize, name) {
  const context = await env.browser.newContext({ viewport: { width: cssSize + 40, height: cssSize + 40 } });
  try {
    const page = await context.newPage();
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    await page.setContent(`<body style="margin:20px;background:#fff"><img id="qr" width="${cssSize}" ` +
                          `height="${cssSize}" src="${src}"></body>`);
    await page.waitForFunction(() => document.getElementById('qr').complete);
    const path = screenshotPath(name);
    await page.locator('#qr').screenshot({ path });
    return execFileSync('zbarimg', ['--raw', '-q', path], { encoding: 'utf8' }).trim();
  } finally {
    await context.close();
  }
}

test('a product QR image decodes to its checkout_url at print and phone sizes', async () => {
  const product = await createProduct(env.server);
  const qr = await fetchSvg(product.product_id, env.server.merchant);
  assert.equal(qr.status, 200, qr.text);
  assert.match(qr.type, /^image\/svg\+xml/);
  assert.equal((qr.text.match(/<path/g) ?? []).length, 1);
  for (const size of [180, 600]) {
    assert.equal(await decodeRendered(qr.text, size, `qr-svg-${size}`), product.checkout_url, `rendered at ${size} px`);
  }
});

test("a product QR image is only for its own merchant", async () => {
  const product = await createProduct(env.server);
  const stranger = { 'x-hilt-key': env.server.createMerchant('Someone Else') };
  const foreign = await fetchSvg(product.product_id, stranger);
  assert.equal(foreign.status, 404, foreign.text);
  assert.equal(JSON.parse(foreign.text).error.code, 'not_found');
  const anonymous = await fetchSvg(product.product_id, {});
  assert.equal(anonymous.status, 401, anonymous.text);
});
