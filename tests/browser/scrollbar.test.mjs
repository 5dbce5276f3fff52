// The canvas keeps its width as the app takes over, on a desktop whose scrollbars take room (Chromium on
// Linux draws classic scrollbars; the other browser tests hide them). A card taller than the window makes
// the page scroll once the app has drawn it: without a gutter kept for the scrollbar from the start
// (checkout.css: scrollbar-gutter), the scrollbar appeared then and narrowed the canvas, and the whole
// card jumped sideways by its width a frame after the buyer first saw it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startCheckoutServer, launchBrowser, createProduct, openPage, waitForReady, animationFrames,
} from './support.mjs';

let server;
let browser;
before(async () => {
  server = await startCheckoutServer();
  browser = await launchBrowser({ scrollbars: true });
});
after(async () => {
  await browser?.close();
  await server?.cleanup();
});

// The canvas's width in the frame that announced the app (the mutation callback runs right after it).
const FIRST_SHOWN_WIDTH = `(() => {
  new MutationObserver((records, observer) => {
    if (!document.body || !document.body.classList.contains('hilt-app')) return;
    observer.disconnect();
    window.__firstShownWidth = document.getElementById('canvas').getBoundingClientRect().width;
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['class'] });
})();`;

test('a card taller than the window: the canvas is as wide in the first frame shown as once the page scrolls', async () => {
  const product = await createProduct(server);
  const { page, context } = await openPage(browser, { viewport: { width: 1280, height: 420 },
                                                      initScripts: [FIRST_SHOWN_WIDTH] });
  try {
    await page.goto(`${server.base}/p/${product.slug}`);
    await waitForReady(page);
    const first = (await page.waitForFunction(() => window.__firstShownWidth, null, { polling: 10 })).jsonValue();
    // The page scrolls (the card is taller than the window), and ten more frames have been drawn since.
    await page.waitForFunction(() => document.documentElement.scrollHeight > window.innerHeight);
    await animationFrames(page, 10);
    const later = await page.evaluate(() => ({
      canvas: document.getElementById('canvas').getBoundingClientRect().width,
      scrollbar: window.innerWidth - document.documentElement.clientWidth,
    }));
    assert.ok(later.scrollbar > 0, 'the scrollbar takes room (else this test shows nothing)');
    assert.equal(await first, later.canvas, 'the canvas narrowed after the buyer first saw it');
  } finally {
    await context.close();
  }
});
