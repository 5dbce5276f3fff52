// The other buyer journeys of issue 5 in a real browser: a handoff link ("Paying as …"), an
// expired session, an archived product (the 410 page, and archiving while the page is open), the
// server going away and coming back, the no-WebGL fallback, the shell's inline stylesheet under
// the page's CSP, the embed button, and the page's opener policy (a page of another site that opens it).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  useCheckoutServer, createProduct, fundedBuyer, openPage, fakePhantomScript,
  waitForReady, waitForState, press, screenshot, DESKTOP, PHONE,
} from './support.mjs';

const env = useCheckoutServer();

test('a handoff link shows who is paying and the payment is bound to it', async () => {
  const product = await createProduct(env.server, {
    membership_config: { enabled: true, platform: 'DISCORD', identity_type: 'DISCORD_USER', renewal_mode: 'ONE_OFF',
                         billing_interval_days: 30, grace_period_days: 2 },
  });
  const buyer = await fundedBuyer(env.server);
  const link = await env.server.api('POST', `/v1/products/${product.product_id}/handoff-link`, {
    buyer_ref: 'discord:ada',
    identity: { type: 'DISCORD_USER', value: '123456789012345678', display_name: 'ada#4821' },
  }, env.server.merchant);
  assert.equal(link.status, 201, link.text);
  const url = new URL(link.body.url);
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP, initScripts: [fakePhantomScript(buyer)] });
  try {
    await page.goto(`${env.server.base}${url.pathname}${url.search}`);
    await waitForReady(page);
    const shown = await waitForState(page, 'product_shown');
    assert.equal(shown.paying_as, 'ada#4821');
    await screenshot(page, 'desktop-1280x800-handoff');
    await press(page, 'Pay with Phantom');
    const done = await waitForState(page, 'confirmed');
    assert.equal(done.paying_as, 'ada#4821');
  } finally {
    await context.close();
  }
});

test('a session that runs out of time while Phantom is open ends as expired, with a new start offered', async () => {
  const product = await createProduct(env.server);
  const buyer = await fundedBuyer(env.server);
  // Phantom never answers the signature request: the buyer walked away.
  const { page, context } = await openPage(env.browser, {
    viewport: PHONE, initScripts: [fakePhantomScript(buyer, { hangSign: true })],
  });
  try {
    await page.clock.install();
    await page.goto(`${env.server.base}/p/${product.slug}`);
    await waitForReady(page);
    await press(page, 'Pay with Phantom');
    const waiting = await waitForState(page, 'awaiting_signature');
    assert.ok(waiting.seconds_remaining > 60);
    await page.clock.fastForward((waiting.seconds_remaining - 30) * 1000);
    await page.waitForFunction(() => window.hilt.announcements.includes('One minute left to pay.'));
    await page.clock.fastForward(60 * 1000);
    await waitForState(page, 'expired');
    assert.equal(await page.evaluate(() => window.hilt.live()), 'This checkout session has expired.');
    await screenshot(page, 'phone-390x844-expired');
    await press(page, 'Start a new checkout');
    await page.waitForFunction(() => window.hilt && window.hilt.state && window.hilt.state()?.state === 'product_shown');
  } finally {
    await context.close();
  }
});

test('an archived product answers 410 with a page that says so, and archiving mid-checkout is explained', async () => {
  const product = await createProduct(env.server);
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    await waitForReady(page);
    const archived = await env.server.api('DELETE', `/v1/products/${product.product_id}`, undefined, env.server.merchant);
    assert.equal(archived.status, 200, archived.text);
    await press(page, 'Pay with a QR code');
    const failed = await waitForState(page, 'failed');
    assert.equal(failed.error, 'product_archived');
    await screenshot(page, 'desktop-1280x800-archived_while_open');

    // (A new address: the page itself may be cached for a few seconds, as its Cache-Control allows.)
    const response = await page.goto(`${env.server.base}/p/${product.slug}?reload=1`);
    assert.equal(response.status(), 410);
    assert.match(await page.locator('h1').textContent(), /no longer on sale/i);
    await screenshot(page, 'desktop-1280x800-archived_page');
  } finally {
    await context.close();
  }
});

test('the server going away shows a connection problem; Try again continues once it is back', async () => {
  const product = await createProduct(env.server);
  const { page, context } = await openPage(env.browser, { viewport: PHONE, mobile: true });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    await waitForReady(page);
    await env.server.stop();
    await press(page, 'Pay with another wallet', { tap: true });
    const error = await waitForState(page, 'network_error');
    assert.equal(error.step, 'start_session');
    assert.equal(error.http_status, 0);
    assert.equal(await page.evaluate(() => window.hilt.live()), 'Connection problem. You can try again.');
    await screenshot(page, 'phone-390x844-network_error');
    await env.server.restart();
    await press(page, 'Try again', { tap: true });
    const waiting = await waitForState(page, 'confirming');
    assert.equal(waiting.external, true);
  } finally {
    await context.close();
  }
});

// Records every CSP violation the page reports (securitypolicyviolation), as window.__cspViolations.
const CSP_VIOLATIONS = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});`;

test('the shell\'s stylesheet comes inside the page and its CSP lets Chromium apply it, on the checkout and the 410 page', async () => {
  const product = await createProduct(env.server);
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP, initScripts: [CSP_VIOLATIONS] });
  const stylesheets = [];
  page.on('request', (request) => { if (request.resourceType() === 'stylesheet') stylesheets.push(request.url()); });
  // assets/checkout.css: the page's background #f4f5f8, the title 24 px semibold.
  const styled = () => page.evaluate(() => ({
    background: getComputedStyle(document.body).backgroundColor,
    title: document.querySelector('h1') && getComputedStyle(document.querySelector('h1')).fontWeight,
    violations: window.__cspViolations,
  }));
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    assert.match(await page.evaluate(() => document.head.innerHTML), /<style>/);
    assert.deepEqual(await styled(), { background: 'rgb(244, 245, 248)', title: '600', violations: [] });
    await waitForReady(page);
    assert.deepEqual((await styled()).violations, []);

    const archived = await env.server.api('DELETE', `/v1/products/${product.product_id}`, undefined, env.server.merchant);
    assert.equal(archived.status, 200, archived.text);
    const response = await page.goto(`${env.server.base}/p/${product.slug}?after-archive=1`);
    assert.equal(response.status(), 410);
    assert.deepEqual(await styled(), { background: 'rgb(244, 245, 248)', title: '600', violations: [] });
    assert.deepEqual(stylesheets, []);
  } finally {
    await context.close();
  }
});

test('without WebGL 2 the shell says so and offers the Solana Pay link', async () => {
  const product = await createProduct(env.server);
  const { page, context } = await openPage(env.browser, {
    viewport: DESKTOP,
    initScripts: ['HTMLCanvasElement.prototype.getContext = function () { return null; };'],
  });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    const link = page.locator('#hilt-fallback-link');
    await link.waitFor({ timeout: 15_000 });
    assert.match(await link.getAttribute('href'), /^solana:/);
    assert.match(await page.locator('#hilt-fallback').textContent(), /WebGL 2/);
    assert.equal(await page.locator('#product-title').textContent(), product.title);
    await screenshot(page, 'desktop-1280x800-no_webgl');
  } finally {
    await context.close();
  }
});

test('a merchant page with embed.js gets a "Pay with Hilt" button that opens the checkout in a new window', async () => {
  const product = await createProduct(env.server);
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP });
  try {
    // The merchant's own page, served from another origin on loopback (Chromium lets a plain-http
    // page load scripts from loopback only when it is itself on loopback).
    const html = `<!doctype html><p>Our pass</p><script src="${env.server.base}/embed.js" ` +
                 `data-hilt-slug="${product.slug}"></script>`;
    const merchantSite = createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(html); });
    await new Promise((r) => merchantSite.listen(0, '127.0.0.1', r));
    after(() => merchantSite.close());
    await page.goto(`http://127.0.0.1:${merchantSite.address().port}/`);
    const button = page.locator(`a[data-hilt-button="${product.slug}"]`);
    await button.waitFor();
    assert.equal(await button.textContent(), 'Pay with Hilt');
    assert.equal(await button.getAttribute('href'), `${env.server.base}/p/${product.slug}`);
    assert.equal(await button.getAttribute('target'), '_blank');
    const [popup] = await Promise.all([context.waitForEvent('page'), button.click()]);
    await popup.waitForLoadState();
    assert.equal(popup.url(), `${env.server.base}/p/${product.slug}`);
  } finally {
    await context.close();
  }
});

test('a page of another site that opens the checkout holds no handle on it; a load the buyer starts keeps the tab', async () => {
  const product = await createProduct(env.server);
  const checkoutUrl = `${env.server.base}/p/${product.slug}`;
  // Another site (localhost, not 127.0.0.1) that opens windows and keeps their handles: the checkout,
  // and a page of its own with no opener policy, which shows what a kept handle looks like.
  const site = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(req.url === '/own' ? '<!doctype html><title>own</title>' : '<!doctype html><title>opener</title>');
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  after(() => site.close());
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP });
  try {
    await page.goto(`http://localhost:${site.address().port}/`);
    const open = async (url) => {
      const [popup] = await Promise.all([
        context.waitForEvent('page'),
        page.evaluate((u) => { window.opened = window.open(u); }, url),
      ]);
      await popup.waitForLoadState();
      return popup;
    };
    const own = await open(`http://localhost:${site.address().port}/own`);
    assert.equal(await page.evaluate(() => window.opened.closed), false);
    assert.equal(await own.evaluate(() => window.opener !== null), true);

    const [checkout, answer] = await Promise.all([
      open(checkoutUrl), context.waitForEvent('response', (r) => r.url() === checkoutUrl),
    ]);
    assert.equal(answer.headers()['cross-origin-opener-policy'], 'same-origin-allow-popups');
    await waitForReady(checkout);
    // Cut off: the opener's handle reads as a closed window, and the checkout has no opener.
    assert.equal(await page.evaluate(() => window.opened.closed), true);
    assert.equal(await checkout.evaluate(() => window.opener), null);

    // Typed, pasted or handed over by a desktop app (Sec-Fetch-Site: none): nothing to cut off.
    const typed = await context.newPage();
    const response = await typed.goto(checkoutUrl);
    assert.equal(response.headers()['cross-origin-opener-policy'], 'unsafe-none');
    await waitForReady(typed);
  } finally {
    await context.close();
  }
});
