// tests/browser/support.mjs: what every browser test of the hosted checkout shares: a real hiltd
// serving the WebAssembly assets (HILT_HILTD, HILT_ASSETS_DIR), Debian's Chromium through
// playwright-core, a merchant and products made through the API, funded sandbox buyers, a fake
// Phantom provider that signs with tweetnacl, and waiting on the page's window.hilt bridge.
//
// Env: HILT_HILTD (hiltd binary), HILT_ASSETS_DIR (the wasm build's assets folder, e.g.
// build/web/assets), HILT_CHROMIUM (default /usr/bin/chromium), HILT_BROWSER_ARTIFACTS (where
// screenshots go; default build/browser-artifacts).
import { mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import web3 from '@solana/web3.js';
import { execFileSync } from 'node:child_process';
import { startHiltd, waitFor, hiltdPath } from '../e2e/hiltd.mjs';

export { waitFor };
const require = createRequire(import.meta.url);

export const assetsDir = resolve(process.env.HILT_ASSETS_DIR ?? 'build/web/assets');
export const artifactsDir = resolve(process.env.HILT_BROWSER_ARTIFACTS ?? 'build/browser-artifacts');
export const chromiumPath = process.env.HILT_CHROMIUM ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const PHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Version/17.0 Mobile/15E148 Safari/604.1';

if (!existsSync(join(assetsDir, 'manifest.json'))) {
  throw new Error(`no checkout assets in ${assetsDir}: build the hilt_checkout_assets target of the wasm preset ` +
                  '(or set HILT_ASSETS_DIR)');
}

// The tests' GPU: ANGLE on SwiftShader for WebGL and, with it, for Chromium's own compositing and raster.
const SWIFTSHADER_GPU_ARGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];

// `scrollbars`: draw them as a desktop does (Chromium on Linux: classic scrollbars that take room);
// headless Chromium hides them by default. `chromiumGpuDefaults`: leave the GPU to Chromium, as a plain
// `chromium --headless` does on a machine without one: WebGL on the same SwiftShader, compositing and
// raster in software (only bench/checkout_page.mjs's second set of first-frame rows).
export async function launchBrowser({ scrollbars = false, chromiumGpuDefaults = false } = {}) {
  return chromium.launch({
    executablePath: chromiumPath,
    ignoreDefaultArgs: scrollbars ? ['--hide-scrollbars'] : [],
    args: [...(chromiumGpuDefaults ? [] : SWIFTSHADER_GPU_ARGS),
           '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--no-first-run', '--ignore-certificate-errors'],
  });
}

// One hiltd (startCheckoutServer's) and one browser for a test file, started before its first test and stopped
// after its last: `env.server` and `env.browser` once the tests run.
export function useCheckoutServer() {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startCheckoutServer();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.cleanup();
  });
  return env;
}

// hiltd with the checkout's assets, no public rate limit (the tests poll from one address).
export async function startCheckoutServer(extraArgs = []) {
  const hiltd = await startHiltd(['--assets-dir', assetsDir, '--public-rate-limit', '0', ...extraArgs]);
  const key = hiltd.createMerchant('Lumen Guild');
  return { ...hiltd, merchant: { 'x-hilt-key': key } };
}

// A second workspace on the same hiltd, enabled for subscriptions (AUTOMATIC renewal) by the operator's CLI
// (`hiltd merchant create --subscriptions` on the server's --db): its API key headers.
export function createSubscriptionsWorkspace(server, name) {
  const out = execFileSync(hiltdPath, ['merchant', 'create', '--name', name, '--subscriptions', '--db', server.db],
                           { encoding: 'utf8' });
  const key = /api_key: (hk_\S+)/.exec(out)?.[1];
  if (!key || !/subscriptions: on/.test(out)) throw new Error(`no subscriptions workspace: ${out}`);
  return { 'x-hilt-key': key };
}

// `merchant`: the API key headers of the workspace that sells it (default: the server's first).
export async function createProduct(server, overrides = {}, merchant = server.merchant) {
  const res = await server.api('POST', '/v1/products', {
    product_type: 'PAYMENT_LINK',
    title: 'Lumen Guild monthly pass',
    description: 'Thirty days in the Lumen Guild: weekly workshops, the members-only channels and the archive.',
    amount_minor_units: 12_500_000,
    merchant_wallet: web3.Keypair.generate().publicKey.toBase58(),
    delivery_type: 'INVITE_LINK',
    delivery_value: 'https://discord.gg/lumen-guild',
    membership_config: { enabled: true, platform: 'DISCORD', identity_type: 'WALLET', renewal_mode: 'ONE_OFF',
                         billing_interval_days: 30, grace_period_days: 2 },
    ...overrides,
  }, merchant);
  if (res.status !== 201) throw new Error(`product: ${res.status} ${res.text}`);
  return res.body;
}

export async function fundedBuyer(server, usdc = 50_000_000) {
  const buyer = web3.Keypair.generate();
  for (const [asset, amount] of [['SOL', 1_000_000_000], ['USDC', usdc]]) {
    const res = await server.api('POST', '/v1/sandbox/airdrop',
                                 { wallet: buyer.publicKey.toBase58(), asset, amount_minor_units: amount });
    if (res.status !== 200) throw new Error(`airdrop: ${res.status} ${res.text}`);
  }
  return buyer;
}

// A page that records its console and errors, for failure messages.
export async function openPage(browser, { viewport = DESKTOP, mobile = false, initScripts = [] } = {}) {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: mobile ? 3 : 1,
    isMobile: mobile,
    hasTouch: mobile,
    userAgent: mobile ? PHONE_UA : undefined,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
  for (const script of initScripts) await context.addInitScript(script);
  const page = await context.newPage();
  const log = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  page.log = log;
  return { context, page };
}

// An init script that keeps the drawing buffer (the first call to getContext decides the attributes) and
// copies it, as window.__firstShownFrame (a PNG data URL), as the page gets body.hilt-app: the mutation
// callback runs right after the frame that announced the app, the first frame the buyer sees.
export const FIRST_SHOWN_FRAME = `(() => {
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, attributes) {
    return getContext.call(this, kind, { ...(attributes || {}), preserveDrawingBuffer: true });
  };
  new MutationObserver((records, observer) => {
    if (!document.body || !document.body.classList.contains('hilt-app')) return;
    observer.disconnect();
    window.__firstShownFrame = document.getElementById('canvas').toDataURL('image/png');
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['class'] });
})();`;

// Resolves once the page has run `count` more animation frames.
export async function animationFrames(page, count) {
  await page.evaluate((n) => new Promise((resolve) => {
    let seen = 0;
    const frame = () => (++seen >= n ? resolve() : requestAnimationFrame(frame));
    requestAnimationFrame(frame);
  }), count);
}

export async function hiltState(page) {
  return page.evaluate(() => (window.hilt && window.hilt.state ? window.hilt.state() : null));
}

// Waits until window.hilt.state().state is one of `names` (a string or array); returns the state.
export async function waitForState(page, names, timeoutMs = 30_000) {
  const wanted = Array.isArray(names) ? names : [names];
  try {
    await page.waitForFunction((w) => {
      const s = window.hilt && window.hilt.state && window.hilt.state();
      return s && w.includes(s.state);
    }, wanted, { timeout: timeoutMs, polling: 50 });
  } catch (e) {
    const s = await hiltState(page).catch(() => null);
    throw new Error(`waiting for ${wanted.join('|')}: state is ${JSON.stringify(s)}\n${page.log.join('\n')}`);
  }
  return hiltState(page);
}

// Waits until the app has drawn with its fonts.
export async function waitForReady(page) {
  await page.waitForFunction(() => window.hilt && window.hilt.ready, null, { timeout: 30_000 });
}

// The button labelled `label` (exact) on screen, in page coordinates, once its place is stable
// (the same in two looks 100 ms apart: the card may still be settling after a screen change).
export async function action(page, label, timeoutMs = 15_000) {
  const find = () => page.evaluate((l) => {
    const list = window.hilt && window.hilt.actions ? window.hilt.actions() : [];
    return list.find((a) => a.label === l) || null;
  }, label);
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    const now = await find();
    if (now && last && now.x === last.x && now.y === last.y && now.w === last.w) return now;
    if (Date.now() > deadline) {
      const labels = await page.evaluate(() => window.hilt.actions().map((a) => a.label));
      throw new Error(`no stable button "${label}" (on screen: ${JSON.stringify(labels)})\n${page.log.join('\n')}`);
    }
    last = now;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Clicks the button labelled `label` with the real mouse (or a tap on touch pages).
export async function press(page, label, { tap = false } = {}) {
  const a = await action(page, label);
  const x = a.x + a.w / 2;
  const y = a.y + a.h / 2;
  // Page coordinates to viewport coordinates.
  const scroll = await page.evaluate(() => [window.scrollX, window.scrollY]);
  if (tap) {
    await page.touchscreen.tap(x - scroll[0], y - scroll[1]);
  } else {
    await page.mouse.click(x - scroll[0], y - scroll[1]);
  }
}

export function screenshotPath(name) {
  mkdirSync(artifactsDir, { recursive: true });
  return join(artifactsDir, `${name}.png`);
}

export async function screenshot(page, name) {
  const path = screenshotPath(name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// A Phantom provider for the page (window.phantom.solana), signing with tweetnacl inside the page:
// a real ed25519 signature over the real message bytes of the transaction the checkout passes.
// `behaviour`: {rejectConnect?: code, rejectSign?: code, hangSign?: true, holdSign?: true}. `keypair` is the buyer's
// web3.js Keypair. The transaction asked for is kept in window.__phantomAsked (wire bytes); with holdSign the
// signature waits, as a buyer reading Phantom's prompt would, until the test calls window.__phantomReleaseSign().
export function fakePhantomScript(keypair, behaviour = {}) {
  const nacl = readFileSync(require.resolve('tweetnacl/nacl-fast.min.js'), 'utf8');
  return `(() => {
    const module = undefined;
    ${nacl}
    const keyPair = nacl.sign.keyPair.fromSecretKey(new Uint8Array(${JSON.stringify(Array.from(keypair.secretKey))}));
    const behaviour = ${JSON.stringify(behaviour)};
    window.__phantomBehaviour = behaviour; // tests may change it while the page runs
    const address = ${JSON.stringify(keypair.publicKey.toBase58())};
    const publicKey = { toString: () => address, toBase58: () => address, toBytes: () => keyPair.publicKey };
    const calls = [];
    const fail = (code, message) => Promise.reject(Object.assign(new Error(message), { code }));
    window.__phantomCalls = calls;
    window.phantom = { solana: {
      isPhantom: true, isConnected: false, publicKey: null,
      async connect() {
        calls.push('connect');
        if (behaviour.rejectConnect) return fail(behaviour.rejectConnect, 'User rejected the request.');
        this.isConnected = true; this.publicKey = publicKey;
        return { publicKey };
      },
      async signTransaction(tx) {
        calls.push('signTransaction');
        window.__phantomAsked = Array.from(tx.serialize());
        if (behaviour.holdSign) await new Promise((release) => { window.__phantomReleaseSign = release; });
        if (behaviour.rejectSign) return fail(behaviour.rejectSign, 'User rejected the request.');
        if (behaviour.hangSign) return new Promise(() => {});
        const wire = tx.serialize();
        const message = tx.serializeMessage();
        // One required signature (the buyer, the fee payer): compact-u16 count 1, then 64 bytes.
        if (wire[0] !== 1) return fail(-32603, 'expected exactly one signature slot');
        const signature = nacl.sign.detached(message, keyPair.secretKey);
        const signed = new Uint8Array(wire);
        signed.set(signature, 1);
        window.__phantomSigned = Array.from(signed);
        return { serialize: () => signed };
      },
    } };
  })();`;
}

// hiltd behind a TLS proxy on loopback, so that its public URL is https: Phantom's deeplinks are
// offered only for https checkouts (payment_service.cpp). The certificate is self-signed, made
// with openssl for 127.0.0.1; the browser runs with --ignore-certificate-errors.
export async function startHttpsCheckoutServer() {
  const https = await import('node:https');
  const http = await import('node:http');
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { freePort } = await import('../e2e/hiltd.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'hilt-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                           '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2',
                           '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const port = await freePort();
  const server = await startCheckoutServer(['--public-url', `https://127.0.0.1:${port}`]);
  const upstream = new URL(server.base);
  const proxy = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => {
      const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
                                     headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => { res.writeHead(502); res.end(); });
      req.pipe(forward);
    });
  await new Promise((resolveListen) => proxy.listen(port, '127.0.0.1', resolveListen));
  return {
    ...server,
    base: `https://127.0.0.1:${port}`,
    ca: readFileSync(join(dir, 'cert.pem')),  // for clients other than the browser (node:https's `ca`)
    cleanup: async () => {
      await new Promise((r) => proxy.close(() => r()));
      proxy.closeAllConnections?.();
      await server.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
