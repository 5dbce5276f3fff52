// Glyphs on demand (web/ui/theme.h): the font atlas holds only the characters drawn so far, and a frame
// that meets a new one is drawn again after a rebuild before it is shown. If a character reached the
// screen without its glyph, ImGui would draw its fallback glyph, '?', in its place. So a page whose
// text has accents (Latin-1 and punctuation the first frame has never seen) must not look like the
// same page with '?' in their place; and the same page drawn twice looks the same (the control: any
// difference comes from the glyphs, not from noise). The picture compared is the first frame the buyer
// sees, the one drawn as the app takes over from the shell (body.hilt-app): later frames would hide a
// first frame drawn with missing glyphs or without its font texture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useCheckoutServer, createProduct, openPage, waitForReady, FIRST_SHOWN_FRAME, DESKTOP, PHONE,
} from './support.mjs';

const env = useCheckoutServer();

const TITLE = 'Crème brûlée club · Zürich';
const DESCRIPTION = 'Every Friday — à la carte, «¡olé!» and ½ price for members.';
const MERCHANT = 'Café Ñandú';
const asFallback = (text) => text.replace(/[^\x20-\x7e]/g, '?');

async function canvasPicture(product, viewport) {
  const { page, context } = await openPage(env.browser, {
    viewport, mobile: viewport === PHONE, initScripts: [FIRST_SHOWN_FRAME],
  });
  try {
    await page.goto(`${env.server.base}/p/${product.slug}`);
    await waitForReady(page);
    await page.waitForFunction(() => window.__firstShownFrame, null, { polling: 10 });
    return await page.evaluate(() => window.__firstShownFrame);
  } finally {
    await context.close();
  }
}

// One text at a time, each drawn with a font of its own (title, body, small): a font that skipped the
// new characters would draw that text exactly like its '?' twin.
const CASES = [
  ['the title', DESKTOP, (text) => ({ fields: { title: text(TITLE) } })],
  ['the title on a phone (3x)', PHONE, (text) => ({ fields: { title: text(TITLE) } })],
  ['the description', DESKTOP, (text) => ({ fields: { description: text(DESCRIPTION) } })],
  ['the seller', DESKTOP, (text) => ({ fields: {}, merchant: text(MERCHANT) })],
];
for (const [name, viewport, make] of CASES) {
  test(`${name}: characters the page first meets are drawn with their own glyphs, never the fallback`, async () => {
    const create = async ({ fields, merchant }) => createProduct(env.server, fields, merchant
      ? { 'x-hilt-key': env.server.createMerchant(merchant) } : env.server.merchant);
    const accented = await create(make((text) => text));
    const fallback = await create(make(asFallback));
    const first = await canvasPicture(accented, viewport);
    const again = await canvasPicture(accented, viewport);
    const questionMarks = await canvasPicture(fallback, viewport);
    assert.equal(first, again, 'the same page drawn twice should look the same');
    assert.notEqual(first, questionMarks, 'accented text was drawn as the fallback glyph');
  });
}
