// tests/oracle/paylinks.test.mjs: Hilt's Solana Pay URLs against @solana/pay 0.2.6 (encodeURL, parseURL) and
// its Phantom deeplink encryption against tweetnacl, through hilt_oracle_cli (ops in ops_paylinks.cpp).
//
//   HILT_ORACLE_CLI=build/paylinks/tests/hilt_oracle_cli node --test tests/oracle/paylinks.test.mjs
//
// Every random case comes from one seeded PRNG; set HILT_ORACLE_SEED to replay a failure (the seed is printed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oracleSeed, prng as basePrng, startOracle } from './harness.mjs';
import { PublicKey } from '@solana/web3.js';
import { encodeURL, parseURL } from '@solana/pay';
import BigNumber from 'bignumber.js';
import nacl from 'tweetnacl';
import bs58 from 'bs58';

const CASES = 1000;
const SEED = oracleSeed('paylinks');

// ---- seeded PRNG (mulberry32) ------------------------------------------------------------------------------
function prng(seed) {
  const base = basePrng(seed);
  const { int, bytes } = base;
  const u64 = () => {
    // Mix zero, tiny, mid-sized and full-range amounts.
    const kind = int(4);
    if (kind === 0) return BigInt(int(3));
    if (kind === 1) return BigInt(int(1000));
    if (kind === 2) return BigInt(int(2 ** 31)) * 1000n + BigInt(int(1000));
    return bytes(8).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  };
  return { ...base, u64 };
}
const rng = prng(SEED);
const randomKey = () => new PublicKey(rng.bytes(32));
// Text that exercises every encoding rule: spaces, reserved characters, '%' and '+', multi-byte UTF-8.
const TEXT_PIECES = [
  'a', 'Z', '0', ' ', '  ', '&', '=', '%', '+', '#', '?', '/', ':', ';', '@', ',', '$', '!', '~', '*', "'", '(',
  ')', '"', '<', '>', '\\', '^', '`', '{', '|', '}', '[', ']', '-', '_', '.', '%20', '+1', 'é', '☉', '€', '😀',
  '漢字', 'Order', 'Thanks for all the fish', '\t', '\n',
];
const randomText = (max = 12) => Array.from({ length: rng.int(max + 1) }, () => rng.pick(TEXT_PIECES)).join('');
const toHex = (bytes) => Buffer.from(bytes).toString('hex');
const fromHex = (hex) => Uint8Array.from(Buffer.from(hex, 'hex'));
const utf8 = (text) => new TextEncoder().encode(text);
const fromUtf8 = (bytes) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

const { call, callAll } = startOracle();
const show = (value) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

// ---- (a) Solana Pay transfer requests -----------------------------------------------------------------------
function randomTransfer() {
  const spec = {
    recipient: randomKey().toBase58(),
    references: Array.from({ length: rng.pick([0, 0, 1, 1, 2, 3]) }, () => randomKey().toBase58()),
    label: rng.chance(0.7) ? randomText() : '',
    message: rng.chance(0.7) ? randomText() : '',
    memo: rng.chance(0.7) ? randomText() : '',
  };
  if (rng.chance(0.5)) spec.spl_token = randomKey().toBase58();
  if (rng.chance(0.8)) {
    const decimals = rng.int(10);
    let minor = rng.u64();
    // A SOL amount must still fit in u64 lamports once scaled to 9 decimals (out-of-range is tested natively).
    if (!spec.spl_token) minor %= (2n ** 64n - 1n) / 10n ** BigInt(9 - decimals) + 1n;
    spec.amount = { minor_units: minor, decimals };
  }
  return spec;
}

function solanaPayUrl(spec) {
  const fields = { recipient: new PublicKey(spec.recipient) };
  if (spec.amount) {
    fields.amount = new BigNumber(spec.amount.minor_units.toString()).shiftedBy(-spec.amount.decimals);
  }
  if (spec.spl_token) fields.splToken = new PublicKey(spec.spl_token);
  if (spec.references.length) fields.reference = spec.references.map((r) => new PublicKey(r));
  if (spec.label) fields.label = spec.label;
  if (spec.message) fields.message = spec.message;
  if (spec.memo) fields.memo = spec.memo;
  return String(encodeURL(fields));
}

const encodeRequest = (spec) => ({
  op: 'solanapay_encode_transfer',
  ...spec,
  amount: spec.amount && { minor_units: spec.amount.minor_units.toString(), decimals: spec.amount.decimals },
});

test('transfer request URLs are byte-for-byte what @solana/pay encodeURL writes', async () => {
  const specs = Array.from({ length: CASES }, randomTransfer);
  const ours = await callAll(specs.map(encodeRequest));
  specs.forEach((spec, i) => {
    const theirs = solanaPayUrl(spec);
    assert.ok(theirs.length <= 2048, 'generator made a URL over 2048 characters');
    assert.equal(ours[i].url, theirs, `case ${i} ${show(spec)} -> ${show(ours[i])}`);
  });
});

test('our parser reads @solana/pay URLs back to the same fields (and agrees with parseURL)', async () => {
  const specs = Array.from({ length: CASES }, randomTransfer);
  const urls = specs.map(solanaPayUrl);
  const ours = await callAll(
    specs.map((spec, i) => ({
      op: 'solanapay_parse',
      url: urls[i],
      ...(spec.spl_token && spec.amount ? { token_decimals: spec.amount.decimals } : {}),
    })),
  );
  specs.forEach((spec, i) => {
    const got = ours[i];
    const where = `case ${i} ${urls[i]} -> ${show(got)}`;
    assert.equal(got.kind, 'transfer', where);
    assert.equal(got.recipient, spec.recipient, where);
    assert.equal(got.spl_token, spec.spl_token ?? null, where);
    assert.deepEqual(got.references, spec.references, where);
    assert.equal(got.label, spec.label, where);
    assert.equal(got.message, spec.message, where);
    assert.equal(got.memo, spec.memo, where);
    if (!spec.amount) {
      assert.equal(got.amount, null, where);
    } else {
      // SOL always comes back in lamports (9 decimals); a token in the mint's decimals.
      const decimals = spec.spl_token ? spec.amount.decimals : 9;
      assert.equal(got.amount.decimals, decimals, where);
      const scale = 10n ** BigInt(decimals - spec.amount.decimals);
      assert.equal(BigInt(got.amount.minor_units), spec.amount.minor_units * scale, where);
    }
    const theirs = parseURL(urls[i]);
    assert.equal(theirs.label ?? '', got.label, where);
    assert.equal(theirs.message ?? '', got.message, where);
    assert.equal(theirs.memo ?? '', got.memo, where);
    if (got.amount) assert.equal(theirs.amount.toFixed(), got.amount.text, where);
  });
});

// A valid URL with a few random edits: whatever we accept, parseURL must accept with the same fields.
const MUTATIONS = ['%', '%2', '%G1', '%C3', '%E2%98', '&', '=', '+', '#', '?', ' ', '.', '-', '0', 'x', '1',
  '&amount=1', '&amount=0.1234567891', '&label=x', '&spl-token=x', '&reference=', '%25', '%2B', ':', '/', '\n'];
function mutate(url) {
  let out = url;
  for (let k = 1 + rng.int(3); k > 0; k--) {
    const at = rng.int(out.length + 1);
    if (rng.chance(0.3) && out.length > 0) out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + rng.pick(MUTATIONS) + out.slice(at);
  }
  return out;
}

test('we never accept a transfer URL that parseURL rejects or reads differently', async () => {
  const urls = Array.from({ length: CASES }, () => mutate(solanaPayUrl(randomTransfer())));
  const ours = await callAll(urls.map((url) => ({ op: 'solanapay_parse', url })));
  let accepted = 0;
  urls.forEach((url, i) => {
    const got = ours[i];
    const where = `case ${i} ${JSON.stringify(url)} -> ${show(got)}`;
    if (got.error) {
      assert.equal(got.error, 'invalid_solana_pay_url', where);
      return;
    }
    accepted++;
    let theirs;
    assert.doesNotThrow(() => { theirs = parseURL(url); }, where);
    if (got.kind === 'transaction') {
      assert.equal(theirs.link.href, new URL(got.link).href, where);
      assert.equal(theirs.label ?? '', got.label, where);
      assert.equal(theirs.message ?? '', got.message, where);
      return;
    }
    assert.equal(theirs.recipient.toBase58(), got.recipient, where);
    assert.equal(theirs.splToken?.toBase58() ?? null, got.spl_token, where);
    assert.deepEqual((theirs.reference ?? []).map((r) => r.toBase58()), got.references, where);
    assert.equal(theirs.amount?.toFixed() ?? null, got.amount?.text ?? null, where);
    assert.equal(theirs.label ?? '', got.label, where);
    assert.equal(theirs.message ?? '', got.message, where);
    assert.equal(theirs.memo ?? '', got.memo, where);
  });
  assert.ok(accepted > CASES / 10, `only ${accepted} mutated URLs were still valid: the test lost its teeth`);
});

// ---- (a) Solana Pay transaction requests --------------------------------------------------------------------
const LINK_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const word = (n = 1 + rng.int(8)) => Array.from({ length: n }, () => rng.pick([...LINK_CHARS])).join('');
function randomLink() {
  // Canonical links (what String(new URL(link)) gives back, minus the trailing '/' @solana/pay strips).
  let link = `https://${word()}.${rng.pick(['example', 'com', 'io'])}`;
  if (rng.chance(0.2)) link += `:${1 + rng.int(65535)}`;
  if (rng.chance(0.7)) link += Array.from({ length: 1 + rng.int(3) }, () => `/${word()}`).join('');
  if (rng.chance(0.5)) {
    link += '?' + Array.from({ length: 1 + rng.int(3) }, () => `${word()}=${rng.pick([word(), '', '-_.~'])}`).join('&');
  }
  return link;
}

test('transaction request URLs match @solana/pay encodeURL and parse back', async () => {
  const specs = Array.from({ length: CASES }, () => ({
    link: randomLink(),
    label: rng.chance(0.7) ? randomText() : '',
    message: rng.chance(0.7) ? randomText() : '',
  }));
  const encoded = await callAll(specs.map((spec) => ({ op: 'solanapay_encode_transaction', ...spec })));
  const parsed = await callAll(encoded.map((answer) => ({ op: 'solanapay_parse', url: answer.url ?? '' })));
  specs.forEach((spec, i) => {
    const fields = { link: new URL(spec.link) };
    if (spec.label) fields.label = spec.label;
    if (spec.message) fields.message = spec.message;
    const theirs = String(encodeURL(fields));
    const where = `case ${i} ${show(spec)} -> ${show(encoded[i])} / ${show(parsed[i])}`;
    assert.equal(encoded[i].url, theirs, where);
    assert.deepEqual(parsed[i], { kind: 'transaction', ...spec }, where);
    const back = parseURL(theirs);
    assert.equal(back.link.href, new URL(spec.link).href, where);
  });
});

// ---- (b) Phantom deeplinks against tweetnacl -----------------------------------------------------------------
const JSON_KEYS = ['transaction', 'session', 'message', 'x', 'é', 'nested', 'list'];
// A small random JSON object (a few hundred bytes: base58 is quadratic and the CLI is a debug build).
function randomJson(depth = 0) {
  const out = {};
  for (let k = rng.int(4); k >= 0; k--) {
    const key = rng.pick(JSON_KEYS) + rng.int(100);
    const kind = rng.int(depth < 1 ? 5 : 3);
    if (kind === 0) out[key] = randomText(8);
    else if (kind === 1) out[key] = rng.int(2 ** 31) - 2 ** 30;
    else if (kind === 2) out[key] = bs58.encode(rng.bytes(rng.int(64)));
    else if (kind === 3) out[key] = randomJson(depth + 1);
    else out[key] = [randomText(3), rng.chance(0.5), null];
  }
  return out;
}

const PHANTOM_CODES = [4900, 4100, 4001, -32000, -32002, -32003, -32601, -32603];
const REDIRECTS = ['https://hilt.example/p/coffee?phantom=connect', 'https://shop.example/cb', 'hiltapp://phantom/cb'];
const appendQuery = (link, params) => link + (link.includes('?') ? '&' : '?') + new URLSearchParams(params);

// One connected dapp per case: tweetnacl plays Phantom in the connect redirect. Phantom's keypairs come from
// a small pool (tweetnacl's X25519 costs ~3 ms each); every dapp key is fresh.
const phantomPool = Array.from({ length: 32 }, () => nacl.box.keyPair.fromSecretKey(rng.bytes(32)));
async function connectSessions(count) {
  const cases = Array.from({ length: count }, () => ({
    dappSecret: rng.bytes(32),
    phantom: rng.pick(phantomPool),
    wallet: randomKey().toBase58(),
    session: bs58.encode(rng.bytes(64 + rng.int(200))),
    redirect: rng.pick(REDIRECTS),
    cluster: rng.pick([undefined, 'devnet', 'mainnet-beta']),
  }));
  const urls = await callAll(cases.map((c) => ({
    op: 'phantom_connect_url', dapp_secret_hex: toHex(c.dappSecret), app_url: 'https://hilt.example',
    redirect_link: c.redirect, ...(c.cluster ? { cluster: c.cluster } : {}),
  })));
  const redirects = cases.map((c, i) => {
    const where = `case ${i} ${show(urls[i])}`;
    assert.ok(urls[i].url.startsWith('https://phantom.app/ul/v1/connect?'), where);
    const query = new URL(urls[i].url).searchParams;
    assert.equal(query.get('redirect_link'), c.redirect, where);
    assert.equal(query.get('app_url'), 'https://hilt.example', where);
    assert.equal(query.get('cluster'), c.cluster ?? null, where);
    // Phantom uses the key the link carries; a wrong derivation on our side fails the decryption below.
    c.dappPublic = bs58.decode(query.get('dapp_encryption_public_key'));
    assert.equal(c.dappPublic.length, 32, where);
    c.shared = nacl.box.before(c.dappPublic, c.phantom.secretKey);
    const nonce = rng.bytes(24);
    const data = nacl.box.after(utf8(JSON.stringify({ public_key: c.wallet, session: c.session })), nonce, c.shared);
    return appendQuery(c.redirect, {
      phantom_encryption_public_key: bs58.encode(c.phantom.publicKey), nonce: bs58.encode(nonce), data: bs58.encode(data),
    });
  });
  const answers = await callAll(cases.map((c, i) => ({
    op: 'phantom_connect_redirect', stored_session: urls[i].stored_session, redirect_url: redirects[i],
  })));
  cases.forEach((c, i) => {
    const where = `case ${i} ${redirects[i]} -> ${show(answers[i])}`;
    assert.equal(answers[i].wallet, c.wallet, where);
    assert.equal(answers[i].session, c.session, where);
    c.stored = answers[i].stored_session;
  });
  return cases;
}
let connected;  // the connected sessions, shared by the tests below (created by the first one)
const sessions = () => (connected ??= connectSessions(CASES));

test('the connect redirect from tweetnacl-as-Phantom connects our session', async () => {
  const cases = await sessions();
  // Our dapp key derivation agrees with tweetnacl's (checked on a sample: each costs a scalar multiplication).
  cases.slice(0, 50).forEach((c, i) => {
    assert.deepEqual(nacl.box.keyPair.fromSecretKey(c.dappSecret).publicKey, c.dappPublic, `case ${i}`);
  });
});

test('payloads tweetnacl encrypts (box.after and box) decrypt to the same plaintext', async () => {
  const cases = await sessions();
  const sent = cases.map((c, i) => {
    const plaintext = JSON.stringify(randomJson());
    const nonce = rng.bytes(24);
    // nacl.box (which derives the key itself) on a sample; it costs a scalar multiplication.
    const data = i < 100
      ? nacl.box(utf8(plaintext), nonce, c.dappPublic, c.phantom.secretKey)
      : nacl.box.after(utf8(plaintext), nonce, c.shared);
    return { plaintext, nonce: bs58.encode(nonce), data: bs58.encode(data) };
  });
  const ours = await callAll(cases.map((c, i) => ({
    op: 'phantom_decrypt', stored_session: c.stored, nonce: sent[i].nonce, data: sent[i].data,
  })));
  sent.forEach((s, i) => assert.equal(ours[i].plaintext, s.plaintext, `case ${i} ${show(s)} -> ${show(ours[i])}`));
});

test('payloads we encrypt open with tweetnacl nacl.box.open', async () => {
  const cases = await sessions();
  const plaintexts = cases.map(() => JSON.stringify(randomJson()));
  const ours = await callAll(cases.map((c, i) => ({ op: 'phantom_encrypt', stored_session: c.stored, plaintext: plaintexts[i] })));
  cases.forEach((c, i) => {
    const where = `case ${i} ${show(ours[i])}`;
    const nonce = bs58.decode(ours[i].nonce);
    assert.equal(nonce.length, 24, where);
    const opened = i < 100
      ? nacl.box.open(bs58.decode(ours[i].payload), nonce, c.dappPublic, c.phantom.secretKey)
      : nacl.box.open.after(bs58.decode(ours[i].payload), nonce, c.shared);
    assert.ok(opened, where);
    assert.equal(fromUtf8(opened), plaintexts[i], where);
  });
});

test('signTransaction round trip: Phantom reads our deeplink, we read its signed transaction', async () => {
  const cases = await sessions();
  // Mostly small transactions and every 100th near the 1232-byte limit (base58 is quadratic and the CLI is a
  // debug build).
  const size = (i) => (i % 100 === 0 ? 1232 - rng.int(200) : 1 + rng.int(128));
  const transactions = cases.map((_, i) => rng.bytes(size(i)));
  const urls = await callAll(cases.map((c, i) => ({
    op: 'phantom_sign_transaction_url', stored_session: c.stored, transaction_hex: toHex(transactions[i]),
    redirect_link: c.redirect,
  })));
  const signed = cases.map((_, i) => rng.bytes(size(i)));
  const redirects = cases.map((c, i) => {
    const where = `case ${i} ${show(urls[i])}`;
    assert.ok(urls[i].url.startsWith('https://phantom.app/ul/v1/signTransaction?'), where);
    const query = new URL(urls[i].url).searchParams;
    assert.equal(query.get('dapp_encryption_public_key'), bs58.encode(c.dappPublic), where);
    assert.equal(query.get('redirect_link'), c.redirect, where);
    const opened = nacl.box.open.after(bs58.decode(query.get('payload')), bs58.decode(query.get('nonce')), c.shared);
    assert.ok(opened, where);
    const payload = JSON.parse(fromUtf8(opened));
    assert.deepEqual(Object.keys(payload).sort(), ['session', 'transaction'], where);
    assert.equal(payload.session, c.session, where);
    assert.deepEqual(bs58.decode(payload.transaction), transactions[i], where);
    // Phantom answers with the signed transaction.
    const nonce = rng.bytes(24);
    const data = nacl.box.after(utf8(JSON.stringify({ transaction: bs58.encode(signed[i]) })), nonce, c.shared);
    return appendQuery(c.redirect, { nonce: bs58.encode(nonce), data: bs58.encode(data) });
  });
  const ours = await callAll(cases.map((c, i) => ({
    op: 'phantom_sign_transaction_redirect', stored_session: c.stored, redirect_url: redirects[i],
  })));
  cases.forEach((_, i) => assert.equal(ours[i].transaction_hex, toHex(signed[i]), `case ${i} ${show(ours[i])}`));
});

test('rejections map every Phantom error code, and low-order Phantom keys fail the connect', async () => {
  const cases = (await sessions()).slice(0, 50);
  const requests = [];
  cases.forEach((c, i) => {
    const code = PHANTOM_CODES[i % PHANTOM_CODES.length];
    const url = appendQuery(c.redirect, { errorCode: String(code), errorMessage: 'User rejected the request.' });
    requests.push({ op: 'phantom_connect_redirect', stored_session: c.stored, redirect_url: url, code });
    requests.push({ op: 'phantom_sign_transaction_redirect', stored_session: c.stored, redirect_url: url, code });
  });
  const answers = await callAll(requests.map(({ code, ...r }) => r));
  answers.forEach((a, i) => {
    assert.equal(a.rejected?.code, requests[i].code, show(a));
    assert.equal(a.rejected.phantom_message, 'User rejected the request.', show(a));
    assert.ok(a.rejected.sentence.length > 10, show(a));
  });
  assert.equal(answers[PHANTOM_CODES.indexOf(4001) * 2].rejected.sentence, 'You declined the request in Phantom.');

  // X25519 points of small order (0 and 1): tweetnacl would derive a key from them, libsodium refuses.
  const lowOrder = [new Uint8Array(32), Uint8Array.from({ length: 32 }, (_, k) => (k === 0 ? 1 : 0))];
  const fresh = await call({ op: 'phantom_connect_url', dapp_secret_hex: toHex(rng.bytes(32)),
    app_url: 'https://hilt.example', redirect_link: REDIRECTS[0] });
  for (const key of lowOrder) {
    const nonce = rng.bytes(24);
    const shared = nacl.box.before(key, rng.bytes(32));  // whatever Phantom would compute: never used by us
    const data = nacl.box.after(utf8('{}'), nonce, shared);
    const url = appendQuery(REDIRECTS[0], {
      phantom_encryption_public_key: bs58.encode(key), nonce: bs58.encode(nonce), data: bs58.encode(data),
    });
    const answer = await call({ op: 'phantom_connect_redirect', stored_session: fresh.stored_session, redirect_url: url });
    assert.equal(answer.error, 'invalid_key', show(answer));
  }
});
