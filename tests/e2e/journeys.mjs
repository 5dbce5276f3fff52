// tests/e2e/journeys.mjs: the end-to-end buyer journeys, defined once and run against each chain
// (checkout_journey_sandbox.test.mjs, checkout_journey_litesvm.test.mjs): the hiltd binary with its SQLite
// file, a merchant creating a product, a buyer (a @solana/web3.js Keypair) that connects, checks the
// transaction the server built with web3.js and @solana/spl-token (independent decoders), signs it with
// web3.js, broadcasts and confirms; the receipt's signature is checked with tweetnacl; the process is killed
// (SIGKILL) and restarted and everything acknowledged is still there. Then: a tampered amount, too little
// money, a dropped broadcast, the Solana Pay transfer request read by @solana/pay's parseURL, and (on a chain
// a wallet can reach) a wallet paying the transaction request, and one paying the transfer request with
// @solana/pay's createTransfer, each sending the transaction itself.
// Must never: tell the two chains apart except through chains.mjs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import web3 from '@solana/web3.js';
import * as spl from '@solana/spl-token';
import { createTransfer, parseURL, validateTransfer } from '@solana/pay';
import nacl from 'tweetnacl';
import bs58 from 'bs58';
import { startHiltd, waitFor } from './hiltd.mjs';
import { startChain } from './chains.mjs';

const { Keypair, Transaction, PublicKey, ComputeBudgetProgram, Connection } = web3;
const MEMO_PROGRAM = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');
const PRICE = 12_500_000n; // 12.50 USDC
const FEE_BPS = 250n;

export async function defineJourneys(kind) {
const chain = await startChain(kind);
const hiltd = await startHiltd(['--fee-bps', String(FEE_BPS), ...chain.hiltdArgs]);
after(async () => {
  await hiltd.cleanup();
  await chain.stop();
});
const key = hiltd.createMerchant('E2E Guild');
const merchant = { 'x-hilt-key': key };
const merchantWallet = Keypair.generate().publicKey;

// JSON.stringify with keys sorted at every level, as the server's canonical JSON is.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

async function createProduct() {
  const res = await hiltd.api('POST', '/v1/products', {
    product_type: 'PAYMENT_LINK',
    title: 'E2E monthly pass',
    amount_minor_units: Number(PRICE),
    merchant_wallet: merchantWallet.toBase58(),
    delivery_type: 'INVITE_LINK',
    delivery_value: 'https://discord.gg/e2e-guild',
    membership_config: { enabled: true, platform: 'DISCORD', identity_type: 'WALLET', renewal_mode: 'ONE_OFF',
                         billing_interval_days: 30, grace_period_days: 2 },
  }, merchant);
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function fundedBuyer(usdc = Number(PRICE)) {
  const buyer = Keypair.generate();
  await chain.fund(hiltd, buyer.publicKey.toBase58(), { lamports: 1_000_000_000, usdc });
  return buyer;
}

async function confirmed(paymentId) {
  return waitFor(async () => {
    const res = await hiltd.api('POST', `/v1/payments/${paymentId}/confirm`, {});
    assert.equal(res.status, 200, res.text);
    return res.body.status === 'CONFIRMED' ? res.body : null;
  }, `confirmation of ${paymentId}`);
}

// A session for `buyer` and the unsigned transaction hiltd built for it (web3.js-parsed).
async function sessionWithTransaction(product, buyer) {
  const session = await hiltd.api('POST', `/v1/products/p/${product.slug}/connect`, {});
  assert.equal(session.status, 201, session.text);
  const paymentId = session.body.payment_id;
  const built = await hiltd.api('POST', `/v1/payments/${paymentId}/transaction`,
                                { buyer_wallet: buyer.publicKey.toBase58() });
  assert.equal(built.status, 200, built.text);
  return { session, paymentId, tx: Transaction.from(Buffer.from(built.body.transaction, 'base64')) };
}

// The payment as GET /v1/payments/{id} reads once CONFIRMED: the watcher found it on chain, no confirm call.
async function foundConfirmed(paymentId, what) {
  return waitFor(async () => {
    const status = await hiltd.api('GET', `/v1/payments/${paymentId}`);
    return status.body.status === 'CONFIRMED' ? status.body : null;
  }, what);
}

test('a buyer pays with a web3.js-signed transaction and the payment survives a SIGKILL', async () => {
  const product = await createProduct();
  const payload = await hiltd.api('GET', `/v1/products/p/${product.slug}`);
  assert.equal(payload.status, 200);
  assert.equal(payload.body.delivery_value, undefined);
  const usdc = new PublicKey(payload.body.token_mint);

  const buyer = await fundedBuyer();
  const session = await hiltd.api('POST', `/v1/products/p/${product.slug}/connect`, {}, { 'idempotency-key': 'tab-1' });
  assert.equal(session.status, 201, session.text);
  const fee = (PRICE * FEE_BPS) / 10_000n; // BigInt division floors, as the fee rule says
  assert.equal(BigInt(session.body.fee_minor_units), fee);
  assert.equal(BigInt(session.body.merchant_amount_minor_units), PRICE - fee);
  const paymentId = session.body.payment_id;

  const built = await hiltd.api('POST', `/v1/payments/${paymentId}/transaction`,
                                { buyer_wallet: buyer.publicKey.toBase58() });
  assert.equal(built.status, 200, built.text);
  const tx = Transaction.from(Buffer.from(built.body.transaction, 'base64'));
  assert.ok(tx.feePayer.equals(buyer.publicKey));
  assert.equal(tx.recentBlockhash, built.body.recent_blockhash);

  // Read every instruction with the independent decoders.
  const merchantAta = spl.getAssociatedTokenAddressSync(usdc, merchantWallet);
  const buyerAta = spl.getAssociatedTokenAddressSync(usdc, buyer.publicKey);
  const transfers = [];
  let memo = null;
  let computeLimit = null;
  for (const ix of tx.instructions) {
    if (ix.programId.equals(ComputeBudgetProgram.programId)) {
      if (ix.data[0] === 2) computeLimit = ix.data.readUInt32LE(1);
    } else if (ix.programId.equals(spl.TOKEN_PROGRAM_ID)) {
      const decoded = spl.decodeTransferCheckedInstruction(ix);
      transfers.push({ ...decoded, extra: ix.keys.slice(4) });
    } else if (ix.programId.equals(MEMO_PROGRAM)) {
      memo = ix.data.toString('utf8');
    } else {
      assert.ok(ix.programId.equals(spl.ASSOCIATED_TOKEN_PROGRAM_ID), ix.programId.toBase58());
    }
  }
  assert.equal(memo, paymentId);
  assert.ok(computeLimit > 0);
  assert.equal(transfers.length, 2);
  const [net, feeTransfer] = transfers;
  assert.ok(net.keys.source.pubkey.equals(buyerAta));
  assert.ok(net.keys.destination.pubkey.equals(merchantAta));
  assert.ok(net.keys.mint.pubkey.equals(usdc));
  assert.equal(net.data.amount, PRICE - fee);
  assert.equal(net.data.decimals, 6);
  assert.equal(feeTransfer.data.amount, fee);
  assert.deepEqual(net.extra.map((k) => k.pubkey.toBase58()), [session.body.reference]);

  tx.sign(buyer);
  const signedB64 = tx.serialize().toString('base64');
  const sent = await hiltd.api('POST', `/v1/payments/${paymentId}/broadcast`, { signed_transaction: signedB64 });
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.body.status, 'PENDING_CONFIRMATION');
  assert.equal(sent.body.tx_signature, bs58.encode(tx.signature));
  const again = await hiltd.api('POST', `/v1/payments/${paymentId}/broadcast`, { signed_transaction: signedB64 });
  assert.equal(again.status, 200, 'idempotent for the same transaction');

  const done = await confirmed(paymentId);
  assert.equal(done.delivery_value, 'https://discord.gg/e2e-guild');
  assert.equal(done.membership_status, 'ACTIVE');

  const receipt = await hiltd.api('GET', `/v1/payments/${paymentId}/receipt`, undefined, merchant);
  assert.equal(receipt.status, 200, receipt.text);
  const { signature, ...unsigned } = receipt.body;
  const message = Buffer.from('hilt-receipt-v1\n' + canonical(unsigned), 'utf8');
  assert.ok(nacl.sign.detached.verify(message, bs58.decode(signature), bs58.decode(unsigned.signer_public_key)),
            'receipt signature verifies with tweetnacl');
  assert.equal(unsigned.tx_signature, sent.body.tx_signature);
  const tampered = Buffer.from('hilt-receipt-v1\n' + canonical({ ...unsigned, amount_minor_units: 1 }), 'utf8');
  assert.ok(!nacl.sign.detached.verify(tampered, bs58.decode(signature), bs58.decode(unsigned.signer_public_key)));

  // Killed without warning, then started again on the same file.
  const before = await hiltd.api('GET', `/v1/payments/${paymentId}`);
  await hiltd.restart('SIGKILL');
  const afterRestart = await hiltd.api('GET', `/v1/payments/${paymentId}`);
  assert.deepEqual(afterRestart.body, before.body);
  const receiptAgain = await hiltd.api('GET', `/v1/payments/${paymentId}/receipt`, undefined, merchant);
  assert.deepEqual(receiptAgain.body, receipt.body);
  const replay = await hiltd.api('POST', `/v1/products/p/${product.slug}/connect`, {}, { 'idempotency-key': 'tab-1' });
  assert.equal(replay.status, 201);
  assert.equal(replay.body.payment_id, paymentId, 'the idempotency key outlives the process');
});

test('a receipt verifies offline with tweetnacl against the published key, and one changed byte does not', async () => {
  const product = await createProduct();
  const buyer = await fundedBuyer();
  const { paymentId, tx } = await sessionWithTransaction(product, buyer);
  tx.sign(buyer);
  const sent = await hiltd.api('POST', `/v1/payments/${paymentId}/broadcast`,
                               { signed_transaction: tx.serialize().toString('base64') });
  assert.equal(sent.status, 200, sent.text);
  await confirmed(paymentId);
  const byPayment = await hiltd.api('GET', `/v1/payments/${paymentId}/receipt`, undefined, merchant);
  assert.equal(byPayment.status, 200, byPayment.text);
  const byId = await hiltd.api('GET', `/v1/receipts/${byPayment.body.receipt_id}`, undefined, merchant);
  assert.equal(byId.status, 200, byId.text);
  assert.equal(byId.text, byPayment.text, 'the same document by its own id');

  // The key comes from the well-known URL (no credentials), not from the receipt.
  const published = await hiltd.api('GET', '/.well-known/hilt/receipt-key');
  assert.equal(published.status, 200, published.text);
  assert.equal(published.body.algorithm, 'ed25519');
  const key = bs58.decode(published.body.public_key);
  // Exactly the README's offline check (the receipt is flat: the sorted key list is the canonical form).
  const verifies = (text) => {
    const { signature, ...unsigned } = JSON.parse(text);
    const message = Buffer.from('hilt-receipt-v1\n' + JSON.stringify(unsigned, Object.keys(unsigned).sort()), 'utf8');
    assert.equal(message.toString('utf8'), 'hilt-receipt-v1\n' + canonical(unsigned));
    return nacl.sign.detached.verify(message, bs58.decode(signature), key);
  };
  assert.ok(verifies(byId.text), 'the receipt verifies offline with the published key');
  const valid = await hiltd.api('POST', '/v1/receipts/verify', JSON.parse(byId.text));
  assert.deepEqual(valid.body, { valid: true, receipt_id: byId.body.receipt_id, payment_id: paymentId });

  // One byte of the text changed (the last character of the transaction signature, still base58).
  const at = byId.text.indexOf(byId.body.tx_signature) + byId.body.tx_signature.length - 1;
  const changed = byId.text.slice(0, at) + (byId.text[at] === '1' ? '2' : '1') + byId.text.slice(at + 1);
  assert.equal(changed.length, byId.text.length);
  assert.ok(!verifies(changed), 'one changed byte does not verify offline');
  const refused = await hiltd.api('POST', '/v1/receipts/verify', JSON.parse(changed));
  assert.equal(refused.status, 200, refused.text);
  assert.deepEqual(refused.body, { valid: false, reason: 'signature_invalid' });

  // A receipt someone signed with a key of their own verifies under that key, never under Hilt's.
  const forger = nacl.sign.keyPair();
  const { signature: _ignored, ...unsigned } = { ...byId.body, amount_minor_units: byId.body.amount_minor_units * 10,
                                                 merchant_amount_minor_units: byId.body.merchant_amount_minor_units * 10,
                                                 fee_minor_units: byId.body.fee_minor_units * 10,
                                                 signer_public_key: bs58.encode(forger.publicKey) };
  const forgedMessage = Buffer.from('hilt-receipt-v1\n' + canonical(unsigned), 'utf8');
  const forged = { ...unsigned, signature: bs58.encode(nacl.sign.detached(forgedMessage, forger.secretKey)) };
  assert.ok(!verifies(JSON.stringify(forged)));
  const forgedAnswer = await hiltd.api('POST', '/v1/receipts/verify', forged);
  assert.deepEqual(forgedAnswer.body, { valid: false, reason: 'signer_unknown' });
});

test('a tampered amount is refused with a named 422 and the session is unchanged', async () => {
  const product = await createProduct();
  const buyer = await fundedBuyer();
  const { session, paymentId, tx } = await sessionWithTransaction(product, buyer);
  const usdc = new PublicKey(session.body.token_mint);
  // Rebuild the net transfer with one unit less, with spl-token's own encoder.
  const index = tx.instructions.findIndex((ix) => ix.programId.equals(spl.TOKEN_PROGRAM_ID));
  const original = spl.decodeTransferCheckedInstruction(tx.instructions[index]);
  const cheaper = spl.createTransferCheckedInstruction(
    original.keys.source.pubkey, usdc, original.keys.destination.pubkey, buyer.publicKey,
    original.data.amount - 1n, 6, []);
  cheaper.keys.push(...tx.instructions[index].keys.slice(4));
  tx.instructions[index] = cheaper;
  tx.sign(buyer);
  const res = await hiltd.api('POST', `/v1/payments/${paymentId}/broadcast`,
                              { signed_transaction: tx.serialize().toString('base64') });
  assert.equal(res.status, 422, res.text);
  assert.equal(res.body.error.code, 'transaction_mismatch');
  const status = await hiltd.api('GET', `/v1/payments/${paymentId}`);
  assert.equal(status.body.status, 'PENDING_SIGNATURE');
  assert.equal(status.body.tx_signature, undefined);
});

test('a buyer without enough USDC is told before signing, and nothing is sent', async () => {
  const product = await createProduct();
  const buyer = await fundedBuyer(Number(PRICE) - 1);
  const session = await hiltd.api('POST', `/v1/products/p/${product.slug}/connect`, {});
  assert.equal(session.status, 201, session.text);
  const built = await hiltd.api('POST', `/v1/payments/${session.body.payment_id}/transaction`,
                                { buyer_wallet: buyer.publicKey.toBase58() });
  assert.equal(built.status, 422, built.text);
  assert.equal(built.body.error.code, 'insufficient_funds');
  const status = await hiltd.api('GET', `/v1/payments/${session.body.payment_id}`);
  assert.equal(status.body.status, 'PENDING_SIGNATURE');
});

test('a broadcast the network drops is sent again until it lands, and confirms once', async () => {
  const product = await createProduct();
  const buyer = await fundedBuyer();
  const { paymentId, tx } = await sessionWithTransaction(product, buyer);
  tx.sign(buyer);
  await chain.dropNextBroadcast(hiltd, merchant);
  const sent = await hiltd.api('POST', `/v1/payments/${paymentId}/broadcast`,
                               { signed_transaction: tx.serialize().toString('base64') });
  assert.equal(sent.status, 200, sent.text);
  const done = await confirmed(paymentId);
  assert.equal(done.tx_signature, bs58.encode(tx.signature));
  const trail = await hiltd.api('GET', `/v1/products/${product.product_id}/payments`, undefined, merchant);
  assert.equal(trail.body.data.filter((p) => p.payment_id === paymentId && p.status === 'CONFIRMED').length, 1);
});

test('the transfer request names the merchant, the whole price, the mint, the reference and the memo', async () => {
  const product = await createProduct();
  const session = await hiltd.api('POST', `/v1/products/p/${product.slug}/connect`, { route: 'SOLANA_PAY_QR' });
  assert.equal(session.status, 201, session.text);
  const fields = parseURL(session.body.solana_pay_transfer_url);
  assert.ok(fields.recipient.equals(merchantWallet));
  assert.equal(fields.amount.toFixed(), '12.5');
  assert.equal(fields.splToken.toBase58(), session.body.token_mint);
  assert.deepEqual(fields.reference.map((k) => k.toBase58()), [session.body.reference]);
  assert.equal(fields.label, 'E2E monthly pass');
  assert.equal(fields.memo, session.body.payment_id);
  assert.match(fields.message, new RegExp(session.body.payment_id));
  // This hiltd is on plain http, whose transaction requests no wallet fetches: the QR shows the transfer.
  assert.equal(session.body.solana_pay_url, session.body.solana_pay_transfer_url);
});

if (chain.rpc) {
  test('a wallet pays the transaction request and sends the transaction itself; hiltd finds it by reference',
       async () => {
    const product = await createProduct();
    const wallet = await fundedBuyer();
    const session = await hiltd.api('POST', `/v1/products/p/${product.slug}/connect`, { route: 'SOLANA_PAY_QR' });
    assert.equal(session.status, 201, session.text);
    // The wallet's side, web3.js: fetch the transaction request link, sign, send. On https this link is the
    // session's solana_pay_url (checked against parseURL in tests/oracle/paylinks.test.mjs); this hiltd is on
    // plain http on loopback, where the link has the same path.
    const link = new URL(`/v1/solana-pay/${session.body.payment_id}`, hiltd.base);
    const label = await (await fetch(link)).json();
    assert.equal(label.label, 'E2E monthly pass');
    const res = await fetch(link, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: wallet.publicKey.toBase58() }),
    });
    assert.equal(res.status, 200);
    const { transaction } = await res.json();
    const tx = Transaction.from(Buffer.from(transaction, 'base64'));
    assert.ok(tx.instructions.some((ix) => ix.keys.some((k) => k.pubkey.toBase58() === session.body.reference)),
              'the transaction carries the session reference');
    tx.sign(wallet);
    const connection = new Connection(chain.rpc.url, 'confirmed');
    const signature = await connection.sendRawTransaction(tx.serialize());
    // hiltd was never told the signature: its watcher finds the payment on chain.
    const paid = await foundConfirmed(session.body.payment_id, 'the watcher finding the wallet-sent payment');
    assert.equal(paid.tx_signature, signature);
    assert.equal(paid.fee_outstanding_minor_units, undefined, 'the built transaction pays the fee itself');
  });

  test('a wallet pays the transfer request with @solana/pay\'s own transfer; hiltd confirms it, fee outstanding',
       async () => {
    const product = await createProduct();
    const wallet = await fundedBuyer();
    // The merchant's wallet and USDC account exist, as a real merchant's do (createTransfer refuses to pay a
    // missing one).
    await chain.fund(hiltd, merchantWallet.toBase58(), { lamports: 1_000_000_000, usdc: 1 });
    const session = await hiltd.api('POST', `/v1/products/p/${product.slug}/connect`, { route: 'SOLANA_PAY_QR' });
    assert.equal(session.status, 201, session.text);
    const connection = new Connection(chain.rpc.url, 'confirmed');
    const fields = parseURL(session.body.solana_pay_url);
    const merchantAta = spl.getAssociatedTokenAddressSync(fields.splToken, merchantWallet);
    const before = BigInt((await connection.getTokenAccountBalance(merchantAta)).value.amount);
    // The wallet's side, all @solana/pay and web3.js: build the transfer from the URL's fields, sign, send.
    const tx = await createTransfer(connection, wallet.publicKey, fields);
    tx.sign(wallet);
    const signature = await connection.sendRawTransaction(tx.serialize());
    const paid = await foundConfirmed(session.body.payment_id, 'the watcher finding the transfer');
    assert.equal(paid.tx_signature, signature);
    const fee = (PRICE * FEE_BPS) / 10_000n;
    assert.equal(BigInt(paid.fee_outstanding_minor_units), fee);
    assert.equal(paid.overpaid_minor_units, undefined);
    const after = BigInt((await connection.getTokenAccountBalance(merchantAta)).value.amount);
    assert.equal(after - before, PRICE, 'the merchant received the whole price');
    // Solana Pay's own validator agrees that this transaction pays the request.
    await validateTransfer(connection, signature, fields, { commitment: 'confirmed' });
  });
}
}
