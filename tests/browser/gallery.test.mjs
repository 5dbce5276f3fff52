// The checkout gallery (web/gallery): every checkout state, reached by replaying fixture events
// through the real state machine, drawn by the real view at 390x844 and 1280x800. Each screenshot
// goes to <artifacts>/gallery/<size>-<scene>.png (with an index.html contact sheet), must not be
// blank, and the page's state and aria-live text must be the scene's.
//
// Env: HILT_GALLERY_DIR (the wasm build's gallery folder; default build/web/gallery, built by the
// hilt_checkout_gallery_assets target), HILT_BROWSER_ARTIFACTS (see support.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { launchBrowser, openPage, waitForReady, artifactsDir, DESKTOP, PHONE } from './support.mjs';

const galleryDir = resolve(process.env.HILT_GALLERY_DIR ?? 'build/web/gallery');
const outDir = join(artifactsDir, 'gallery');
// hiltd's page policy (server/routes/pages.h kCheckoutPageCsp): the gallery must run under it too.
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; " +
  "img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'application/javascript', '.wasm': 'application/wasm',
                '.css': 'text/css', '.otf': 'font/otf', '.svg': 'image/svg+xml', '.json': 'application/json' };

// scene -> [window.hilt.state().state, the aria-live text] as docs/api.md's journey and
// shared/flow/checkout_machine.cpp's sentences describe them (the live region keeps the last
// announcement until the next one).
const CONNECT = 'Approve the connection in Phantom.';
const SENT = 'Payment sent. Waiting for confirmation.';
const SCAN = 'Scan the QR code with your wallet app to pay.';
const NETWORK = 'Connection problem. You can try again.';
const EXPECTED = {
  loading: ['loading', ''],
  product_shown: ['product_shown', ''],
  product_shown_phone: ['product_shown', ''],
  product_shown_no_wallet: ['product_shown', ''],
  handoff: ['product_shown', ''],
  handoff_problem: ['product_shown', 'Your personal checkout link could not be used. You can still pay with your wallet.'],
  route_chosen: ['route_chosen', ''],
  connecting_wallet: ['connecting_wallet', CONNECT],
  connecting_wallet_phone: ['connecting_wallet', 'Opening Phantom.'],
  building_transaction: ['building_transaction', CONNECT],
  awaiting_signature: ['awaiting_signature', 'Review and approve the payment in Phantom.'],
  awaiting_signature_final_minute: ['awaiting_signature', 'One minute left to pay.'],
  broadcasting: ['broadcasting', 'Sending your payment.'],
  confirming: ['confirming', SENT],
  confirming_reconnecting: ['confirming', SENT],
  solana_pay_qr: ['confirming', SCAN],
  solana_pay_qr_phone: ['confirming', SCAN],
  confirmed_invite: ['confirmed', 'Payment confirmed.'],
  confirmed_redirect: ['confirmed', 'Payment confirmed.'],
  confirmed_message: ['confirmed', 'Payment confirmed.'],
  wallet_rejected: ['wallet_rejected', 'You declined the request in Phantom. You can try again.'],
  network_error: ['network_error', NETWORK],
  network_error_server: ['network_error', NETWORK],
  expired: ['expired', 'This checkout session has expired.'],
  failed: ['failed', 'The payment failed.'],
  failed_archived: ['failed', 'The payment failed.'],
};

let server;
let base;
let browser;
let analyser;
before(async () => {
  if (!existsSync(join(galleryDir, 'index.html'))) {
    throw new Error(`no gallery in ${galleryDir}: build the hilt_checkout_gallery_assets target of the wasm preset`);
  }
  server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    if (name === 'favicon.ico') { res.writeHead(204); res.end(); return; }
    const path = join(galleryDir, name);
    if (name.includes('..') || !existsSync(path)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream',
                         'content-security-policy': CSP });
    res.end(readFileSync(path));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchBrowser();
  analyser = await (await browser.newContext()).newPage();
  mkdirSync(outDir, { recursive: true });
});
after(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
});

// Distinct colours (quantised) and the share of pixels that differ from the page background,
// measured by Chromium's own PNG decoder on a 2D canvas.
async function measure(png) {
  return analyser.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    let inked = 0;
    for (let i = 0; i < d.length; i += 4) {
      colours.add(((d[i] >> 3) << 10) | ((d[i + 1] >> 3) << 5) | (d[i + 2] >> 3));
      if (Math.abs(d[i] - 0xf4) + Math.abs(d[i + 1] - 0xf5) + Math.abs(d[i + 2] - 0xf8) > 24) inked++;
    }
    return { width: c.width, height: c.height, colours: colours.size, inked: inked / (d.length / 4) };
  }, png.toString('base64'));
}

// Waits until the canvas keeps its size across a few frames (the card settles after the first).
async function settle(page) {
  let last = '';
  for (let i = 0; i < 40; i++) {
    const now = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => {
      const c = document.getElementById('canvas');
      r(`${c.width}x${c.height}:${window.hilt.actions().length}`);
    }))));
    if (now === last) return;
    last = now;
  }
}

const shots = [];

for (const [size, viewport, mobile] of [['390x844', PHONE, true], ['1280x800', DESKTOP, false]]) {
  test(`every checkout state renders at ${size}, with its state and aria-live text`, async () => {
    const { page, context } = await openPage(browser, { viewport, mobile });
    try {
      await page.goto(`${base}/index.html?gallery=product_shown`);
      await waitForReady(page);
      const first = await page.evaluate(() => window.hilt.state());
      assert.deepEqual([...first.scenes].sort(), Object.keys(EXPECTED).sort(), 'the gallery has exactly the listed scenes');
      for (const scene of first.scenes) {
        // The gallery follows its address: no reload (and no new WebAssembly compile) per scene.
        await page.evaluate((name) => history.replaceState(null, '', `?gallery=${name}`), scene);
        await page.waitForFunction((name) => window.hilt.state().gallery === name, scene);
        await settle(page);
        const state = await page.evaluate(() => window.hilt.state());
        const live = await page.evaluate(() => window.hilt.live());
        assert.equal(state.gallery, scene);
        assert.equal(state.state, EXPECTED[scene][0], `${scene}: state`);
        assert.equal(live, EXPECTED[scene][1], `${scene}: aria-live`);
        const path = join(outDir, `${size}-${scene}.png`);
        const png = await page.screenshot({ path, fullPage: true });
        const look = await measure(png);
        assert.ok(look.colours >= 8 && look.inked > 0.01,
                  `${scene} at ${size} looks blank: ${JSON.stringify(look)} (${path})\n${page.log.join('\n')}`);
        shots.push({ scene, size, file: `${size}-${scene}.png`, live });
      }
      assert.deepEqual(page.log.filter((l) => /pageerror|console.error/.test(l)), []);
    } finally {
      await context.close();
    }
  });
}

after(() => {
  // A contact sheet for people: build/browser-artifacts/gallery/index.html.
  const rows = Object.keys(EXPECTED).map((scene) => {
    const cells = shots.filter((s) => s.scene === scene)
      .map((s) => `<td><img src="${s.file}" width="${s.size.startsWith('390') ? 195 : 480}"></td>`).join('');
    return `<tr><th>${scene}<br><small>${EXPECTED[scene][1]}</small></th>${cells}</tr>`;
  });
  writeFileSync(join(outDir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>Hilt checkout gallery</title>` +
    `<style>th{text-align:left;vertical-align:top;font:14px sans-serif;width:14em}td{vertical-align:top}</style>` +
    `<table>${rows.join('\n')}</table>\n`);
});
