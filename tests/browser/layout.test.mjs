// Every frame the buyer sees is laid out for its own content (web/ui/card.h, main.cpp). On a desktop the card
// is centred by its height; ImGui sizes an auto-fit window from the previous pass's content, so a pass that
// meets new content (the app's first, a new screen) has the card's old height and place. Shown, it put the
// card 168 px too low in the first frame, and a new screen a frame out of place before it jumped. Such a
// pass is now drawn again before it is shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useCheckoutServer, createProduct, openPage, waitForReady, action, press, animationFrames, FIRST_SHOWN_FRAME,
  DESKTOP,
} from './support.mjs';

const env = useCheckoutServer();

test('desktop: the first frame shown as the app takes over is the settled page, card in place', async () => {
  const product = await createProduct(env.server);
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP, initScripts: [FIRST_SHOWN_FRAME] });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    await waitForReady(page);
    const first = await (await page.waitForFunction(() => window.__firstShownFrame, null, { polling: 10 }))
      .jsonValue();
    await animationFrames(page, 10);
    const settled = await page.evaluate(() => document.getElementById('canvas').toDataURL('image/png'));
    assert.ok(first.length > 1000, 'a picture of the first frame');
    assert.equal(first, settled, 'the first frame shown differs from the page ten frames later');
  } finally {
    await context.close();
  }
});

test('desktop: a new screen\'s buttons are where they stay from the first frame that shows them', async () => {
  const product = await createProduct(env.server);
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    await waitForReady(page);
    // Every button list the app publishes (one per frame whose buttons changed), from here on.
    await page.evaluate(() => {
      window.__published = [];
      const publish = window.HiltBridge.publishActions;
      window.HiltBridge.publishActions = (json) => {
        window.__published.push(JSON.parse(json));
        publish(json);
      };
    });
    await press(page, 'Pay with a QR code');
    await action(page, 'Copy payment link');
    await animationFrames(page, 10);
    const published = await page.evaluate(() => window.__published);
    const settled = await page.evaluate(() => window.hilt.actions());
    const where = (list, label) => list.find((a) => a.label === label);
    const firstShown = published.find((list) => where(list, 'Copy payment link'));
    assert.ok(firstShown, 'the QR screen published its buttons');
    const last = settled.find((a) => a.label === 'Copy payment link');
    const first = where(firstShown, 'Copy payment link');
    // window.hilt.actions() adds the canvas's page offset to what the app published; both are in the
    // app's own coordinates here.
    const rect = await page.evaluate(() => {
      const r = document.getElementById('canvas').getBoundingClientRect();
      return { x: r.left + window.scrollX, y: r.top + window.scrollY };
    });
    assert.deepEqual({ x: first.x + rect.x, y: first.y + rect.y, w: first.w, h: first.h },
                     { x: last.x, y: last.y, w: last.w, h: last.h },
                     'the button moved after the frame that first showed it');
  } finally {
    await context.close();
  }
});
