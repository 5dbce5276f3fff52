// Subscriptions at the hosted checkout (issue 7): the first checkout of an AUTOMATIC product also approves
// Hilt's renewal delegate for a bounded allowance, and the buyer reads that in plain words before signing.
// A workspace enabled for subscriptions by the operator's CLI, AUTOMATIC USDC products, a funded buyer with
// the fake Phantom extension, which holds its signature (the buyer reading Phantom's prompt) until the test
// has checked what the page says: the terms line on the product, then the approval itself (on the canvas,
// screenshotted; in words through window.hilt and the aria-live region). The payment then confirms and
// the merchant API shows the membership's subscription approved. A ONE_OFF product says nothing of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import web3 from '@solana/web3.js';
import {
  useCheckoutServer, createSubscriptionsWorkspace, createProduct, fundedBuyer, openPage, fakePhantomScript,
  waitForReady, waitForState, press, screenshot, hiltState, DESKTOP,
} from './support.mjs';

const env = useCheckoutServer();
const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const APPROVE_CHECKED = 13; // SPL Token instruction tag

function automatic(title, amount) {
  return {
    title,
    amount_minor_units: amount,
    membership_config: { enabled: true, platform: 'DISCORD', identity_type: 'WALLET', renewal_mode: 'AUTOMATIC',
                         billing_interval_days: 30, grace_period_days: 2 },
  };
}

// The approvals in the transaction Phantom was asked to sign: [{delegate, amount}] of every ApproveChecked.
function approvalsIn(wire) {
  const tx = web3.Transaction.from(Buffer.from(wire));
  return tx.instructions
    .filter((ix) => ix.programId.toBase58() === TOKEN_PROGRAM && ix.data[0] === APPROVE_CHECKED)
    .map((ix) => ({ delegate: ix.keys[2].pubkey.toBase58(), amount: Number(ix.data.readBigUInt64LE(1)) }));
}

// Opens the product's checkout with a Phantom that holds its signature, presses Pay, and returns once
// Phantom has the transaction (window.__phantomAsked) and the page waits for the signature. The product
// screen is screenshotted as `<name>-product_shown`.
async function payAndHold(product, buyer, name) {
  const { page, context } = await openPage(env.browser, { viewport: DESKTOP,
                                                          initScripts: [fakePhantomScript(buyer, { holdSign: true })] });
  await page.goto(`${env.server.base}/p/${product.slug}`);
  await waitForReady(page);
  const shown = await waitForState(page, 'product_shown');
  await screenshot(page, `${name}-product_shown`);
  await press(page, 'Pay with Phantom');
  await page.waitForFunction(() => Array.isArray(window.__phantomAsked), null, { timeout: 30_000 });
  const waiting = await waitForState(page, 'awaiting_signature');
  return { page, context, shown, waiting };
}

async function releaseAndConfirm(page) {
  assert.equal(await page.evaluate(() => window.__phantomSigned), undefined, 'nothing was signed yet');
  await page.evaluate(() => window.__phantomReleaseSign());
  return waitForState(page, 'confirmed');
}

async function membershipsOf(product, merchant) {
  const res = await env.server.api('GET', `/v1/memberships?product_id=${product.product_id}`, undefined, merchant);
  assert.equal(res.status, 200, res.text);
  return res.body.data;
}

test('an AUTOMATIC product states the renewal approval in plain words before Phantom signs', async () => {
  const merchant = createSubscriptionsWorkspace(env.server, 'Renewals Guild');
  const delegate = /renewal delegate \(pays renewal fees\): (\w+)/.exec(env.server.output())?.[1];
  assert.ok(delegate, 'hiltd printed its renewal delegate');
  const product = await createProduct(env.server, automatic('Renewals Guild monthly pass', 12_500_000), merchant);
  const buyer = await fundedBuyer(env.server);

  const { page, context, shown, waiting } = await payAndHold(product, buyer,
                                                              'desktop-1280x800-subscription');
  try {
    // Before paying, from the public payload alone (no wallet yet): the terms with the limit, from the
    // payload's membership_allowance_periods (12, hiltd's default --renewal-allowance) times the price.
    assert.equal(shown.renewal_terms,
                 'Renews automatically: 12.50 USDC every 30 days until you cancel. To renew, you approve Hilt to take ' +
                 "up to 150.00 USDC from your wallet's USDC, for up to 12 renewals.");
    assert.equal(shown.approval, undefined);

    // Phantom has the transaction; the page states what its approval allows, and the words match the bytes.
    const words = "Renews automatically. You also allow Hilt to take up to 150.00 USDC from this wallet's USDC: " +
      '12.50 USDC every 30 days, for up to 12 renewals. Cancel any time by revoking this approval in your wallet.';
    assert.equal(waiting.approval.text, words);
    assert.equal(waiting.approval.delegate, delegate);
    assert.equal(waiting.approval.allowance_minor_units, 150_000_000);
    assert.equal(waiting.approval.allowance_periods, 12);
    assert.equal(waiting.approval.existing_allowance_minor_units, 0);
    assert.equal(waiting.approval.replaces_delegate, undefined);
    assert.deepEqual(approvalsIn(await page.evaluate(() => window.__phantomAsked)),
                     [{ delegate, amount: 150_000_000 }]);
    assert.equal(await page.evaluate(() => window.hilt.live()), `Review and approve the payment in Phantom. ${words}`);
    assert.equal(await page.locator('#hilt-live').getAttribute('aria-live'), 'polite');
    assert.deepEqual(await page.evaluate(() => window.__phantomCalls), ['connect', 'signTransaction']);
    await screenshot(page, 'desktop-1280x800-subscription-awaiting_signature');

    // The buyer approves in Phantom: the payment confirms, and the membership's subscription is approved.
    const done = await releaseAndConfirm(page);
    await screenshot(page, 'desktop-1280x800-subscription-confirmed');
    assert.equal(done.buyer_wallet, buyer.publicKey.toBase58());
    const [membership] = await membershipsOf(product, merchant);
    assert.ok(membership, 'a membership for the subscriber');
    assert.equal(membership.status, 'ACTIVE');
    assert.equal(membership.subscription?.approved, true, JSON.stringify(membership));
    assert.equal(membership.subscription.delegate, delegate);
    assert.equal(membership.subscription.allowance_minor_units, 150_000_000);
    assert.equal(membership.subscription.allowance_periods, 12);
  } finally {
    await context.close();
  }

  // The same wallet subscribes to a second product: Hilt's approval so far is kept in the new total.
  const second = await createProduct(env.server, automatic('Renewals Guild workshop pass', 5_000_000), merchant);
  const again = await payAndHold(second, buyer, 'desktop-1280x800-subscription-second');
  try {
    assert.equal(again.waiting.approval.existing_allowance_minor_units, 150_000_000);
    assert.equal(again.waiting.approval.allowance_minor_units, 210_000_000);
    assert.equal(again.waiting.approval.text,
                 "Renews automatically. You also allow Hilt to take up to 60.00 USDC from this wallet's USDC: " +
                 '5.00 USDC every 30 days, for up to 12 renewals. Your other Hilt subscriptions keep their approval ' +
                 '(150.00 USDC); the new total is 210.00 USDC. Cancel any time by revoking this approval in your ' +
                 'wallet.');
    assert.deepEqual(approvalsIn(await again.page.evaluate(() => window.__phantomAsked)),
                     [{ delegate, amount: 210_000_000 }]);
    await screenshot(again.page, 'desktop-1280x800-subscription-second-awaiting_signature');
    await releaseAndConfirm(again.page);
    const [membership] = await membershipsOf(second, merchant);
    assert.equal(membership.subscription?.approved, true, JSON.stringify(membership));
  } finally {
    await again.context.close();
  }
});

test('a ONE_OFF product asks for no approval and shows no approval sentence', async () => {
  const product = await createProduct(env.server); // renewal_mode ONE_OFF
  const buyer = await fundedBuyer(env.server);
  const { page, context, shown, waiting } = await payAndHold(product, buyer, 'desktop-1280x800-one_off');
  try {
    assert.equal(shown.renewal_terms, undefined);
    assert.equal(waiting.approval, undefined);
    assert.deepEqual(approvalsIn(await page.evaluate(() => window.__phantomAsked)), []);
    assert.equal(await page.evaluate(() => window.hilt.live()), 'Review and approve the payment in Phantom.');
    const said = await page.evaluate(() => window.hilt.announcements);
    assert.ok(said.every((sentence) => !/allow Hilt|Renews automatically|approval/i.test(sentence)),
              JSON.stringify(said));
    await screenshot(page, 'desktop-1280x800-one_off-awaiting_signature');
    const done = await releaseAndConfirm(page);
    assert.equal(done.approval, undefined);
    const [membership] = await membershipsOf(product, env.server.merchant);
    assert.equal(membership.subscription, undefined);
    assert.ok((await hiltState(page)).state === 'confirmed');
  } finally {
    await context.close();
  }
});
