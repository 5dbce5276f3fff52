// The checkout's renderer (web/platform/renderer.h) draws without reading anything back from the GPU. In
// Chromium every WebGL query of state or results is a round trip that waits until the GPU process has run
// all the commands before it (about 15 ms each with the software GL these tests run on); ImGui's own
// OpenGL3 backend made about twenty a frame and five more creating its program. The test counts every such
// call the page makes from the frame that shows the app on, through a screen change. A WebGL 2 whose
// program does not link gets the page's fallback instead of a blank canvas. And frames are drawn on demand
// (web/main.cpp): an idle page drew 60 full-canvas frames a second, ~1.4 CPU-seconds a second of the GPU
// process on software GL; now it draws when something changed (here: the one-second tick), and a spinner
// turns at 20 frames a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useCheckoutServer, createProduct, openPage, waitForReady, action, press, animationFrames, DESKTOP,
} from './support.mjs';

const env = useCheckoutServer();

// Counts, by name, the WebGL calls that wait for the GPU process, from when the page gets body.hilt-app.
const COUNT_READBACKS = `(() => {
  const P = WebGL2RenderingContext.prototype;
  const readbacks = ['getParameter', 'getError', 'isEnabled', 'getShaderParameter', 'getShaderInfoLog',
    'getProgramParameter', 'getProgramInfoLog', 'getUniformLocation', 'getAttribLocation', 'getActiveUniform',
    'getActiveAttrib', 'getUniform', 'getVertexAttrib', 'getTexParameter', 'getBufferSubData', 'readPixels',
    'checkFramebufferStatus', 'getFramebufferAttachmentParameter', 'getRenderbufferParameter', 'finish',
    'clientWaitSync', 'getSyncParameter', 'getQueryParameter', 'getIndexedParameter'];
  window.__readbacks = {};
  let counting = false;
  for (const name of readbacks) {
    const original = P[name];
    P[name] = function (...args) {
      if (counting) {
        const key = name === 'getProgramParameter' ? name + '(' + args[1] + ')' : name;
        window.__readbacks[key] = (window.__readbacks[key] || 0) + 1;
      }
      return original.apply(this, args);
    };
  }
  new MutationObserver((records, observer) => {
    if (!document.body || !document.body.classList.contains('hilt-app')) return;
    observer.disconnect();
    counting = true;
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['class'] });
})();`;
const LINK_STATUS = 0x8b82;

test('desktop: no frame reads anything back from the GPU, through a screen change', async () => {
  const product = await createProduct(env.server);
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP, initScripts: [COUNT_READBACKS] });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    await waitForReady(page);
    await animationFrames(page, 20);
    await press(page, 'Pay with a QR code');
    await action(page, 'Copy payment link');
    await animationFrames(page, 20);
    const readbacks = await page.evaluate(() => window.__readbacks);
    // The one query allowed: the program's link status, asked once after the first frame (WebGL answers
    // it from what it learnt as the first frame used the program).
    const { [`getProgramParameter(${LINK_STATUS})`]: linkQueries = 0, ...others } = readbacks;
    assert.ok(linkQueries <= 1, `link status asked ${linkQueries} times`);
    assert.deepEqual(others, {}, 'WebGL calls that wait for the GPU process, from the first frame shown on');
  } finally {
    await context.close();
  }
});

const framesOver = async (page, ms) => {
  const before = await page.evaluate(() => window.hilt.frames);
  await page.waitForTimeout(ms);  // a span of wall time is what is measured here, not a wait for readiness
  return (await page.evaluate(() => window.hilt.frames)) - before;
};

test('desktop: an idle page draws only on its one-second tick; a waiting spinner turns', async () => {
  const product = await createProduct(env.server);
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    await waitForReady(page);
    await page.waitForTimeout(500);  // past the frames that follow the app's start
    const idle = await framesOver(page, 3000);
    assert.ok(idle >= 1 && idle <= 5, `the product page drew ${idle} frames in 3 s (ticks: 3)`);
    await press(page, 'Pay with a QR code');
    await action(page, 'Copy payment link');  // its status line has a spinner
    const spinning = await framesOver(page, 2000);
    assert.ok(spinning >= 10 && spinning <= 60,
              `the QR screen drew ${spinning} frames in 2 s (20 a second; 60 a second before)`);
  } finally {
    await context.close();
  }
});

test('a WebGL 2 that cannot link the program: the shell comes back with the Solana Pay link', async () => {
  const product = await createProduct(env.server);
  // Every fragment shader this page compiles gets a syntax error.
  const breakShaders = `(() => {
    const shaderSource = WebGL2RenderingContext.prototype.shaderSource;
    WebGL2RenderingContext.prototype.shaderSource = function (shader, source) {
      const fragment = this.getShaderParameter(shader, this.SHADER_TYPE) === this.FRAGMENT_SHADER;
      return shaderSource.call(this, shader, fragment ? source + '\\nnot glsl;' : source);
    };
  })();`;
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP, initScripts: [breakShaders] });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    const link = page.locator('#hilt-fallback-link');
    await link.waitFor({ timeout: 15_000 });
    assert.match(await link.getAttribute('href'), /^solana:/);
    assert.equal(await page.evaluate(() => document.body.classList.contains('hilt-app')), false);
    assert.equal(await page.locator('#product-title').isVisible(), true, 'the shell\'s title shows again');
    assert.ok(page.log.some((line) => /did not link/.test(line)), `the console says why: ${page.log.join('\n')}`);
  } finally {
    await context.close();
  }
});
