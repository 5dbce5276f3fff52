// tests/e2e/probes.test.mjs: security probes over real HTTP against the hiltd binary (issue 8). Each probe is an
// attack a stranger on the internet could send; each checks what the attacker gets back and that nothing changed.
//  - cross-merchant: merchant B (by API key and by session JWT) reads, updates, deletes, closes, redelivers…
//    every object of merchant A reachable by id: the answer is the 404 of a never-existing id, byte for byte but
//    the request id, and A's objects read the same afterwards;
//  - guessed ids (near ids, wrong prefixes, over-long, non-ASCII, traversal): 404/400, never a 500;
//  - mass assignment: server-owned fields in create/update bodies are 422 unknown_field naming the field;
//  - JWT and token tricks: alg none/EdDSA, stripped or re-signed signatures, altered claims, a revoked key's token,
//    expiry (the sandbox's test clock); forged, tampered and expired handoff tokens; wrong manage tokens;
//  - size limits: header line, header count, URI, bodies with and without Content-Length, chunked;
//  - slowloris and idle connections, many more than hiltd's workers, while new buyers are still answered;
//  - a 10× burst from one address (429 with Retry-After) while another address is served; X-Forwarded-For does
//    not reset the limit;
//  - SSRF through POST /v1/webhook-endpoints (hiltd's default policy), and a receiver's redirect to loopback
//    not followed.
// Must never: send anything to an address outside 127.0.0.0/8.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createHmac, generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto';
import web3 from '@solana/web3.js';
import { startHiltd, jsonClient, waitFor } from './hiltd.mjs';

const { Keypair, Transaction } = web3;

// hiltd's workers by default (server/http/http_server.h kMinDefaultWorkerThreads): max(64, 4 × cores).
const HILTD_WORKERS = Math.max(64, 4 * os.availableParallelism());
// A new buyer must be answered within this while the server is under a connection attack: a functional bound
// (a starved server never answers), far above any honest latency.
const BUYER_BOUND_MS = 5_000;

const hiltd = await startHiltd(['--public-rate-limit', '0']);
after(() => hiltd.cleanup());
const port = Number(new URL(hiltd.base).port);
const api = hiltd.api;

// ---- the world: merchant A with one of every object, merchant B, a buyer -----------------------------------

const keyA = hiltd.createMerchant('Probe Merchant A');
const keyB = hiltd.createMerchant('Probe Merchant B');
const A = { 'x-hilt-key': keyA };
const B = { 'x-hilt-key': keyB };

async function ok(res, status = 200) {
  const r = await res;
  assert.equal(r.status, status, r.text);
  return r.body;
}

const productBody = (title) => ({
  product_type: 'PAYMENT_LINK',
  title,
  amount_minor_units: 2_000_000,
  merchant_wallet: Keypair.generate().publicKey.toBase58(),
  delivery_type: 'INVITE_LINK',
  delivery_value: 'https://discord.gg/probe-a',
  membership_config: { enabled: true, platform: 'DISCORD', identity_type: 'WALLET', renewal_mode: 'ONE_OFF',
                       billing_interval_days: 30, grace_period_days: 1 },
  metadata: { crm: 'a-1' },
});

const product = await ok(api('POST', '/v1/products', productBody('A pass'), { ...A, 'idempotency-key': 'probe-k1' }),
                         201);
const otherProduct = await ok(api('POST', '/v1/products', productBody('A second pass'), A), 201);
const productB = await ok(api('POST', '/v1/products', productBody('B pass'), B), 201);

// A confirmed payment of A's product: receipt, membership, events.
const buyer = Keypair.generate();
for (const [asset, amount] of [['SOL', 1_000_000_000], ['USDC', 2_000_000]]) {
  await ok(api('POST', '/v1/sandbox/airdrop', { wallet: buyer.publicKey.toBase58(), asset, amount_minor_units: amount }));
}
const session = await ok(api('POST', `/v1/products/p/${product.slug}/connect`, {}), 201);
const paymentId = session.payment_id;
const built = await ok(api('POST', `/v1/payments/${paymentId}/transaction`, { buyer_wallet: buyer.publicKey.toBase58() }));
const tx = Transaction.from(Buffer.from(built.transaction, 'base64'));
tx.sign(buyer);
await ok(api('POST', `/v1/payments/${paymentId}/broadcast`, { signed_transaction: tx.serialize().toString('base64') }));
const confirmation = await waitFor(async () => {
  const res = await api('POST', `/v1/payments/${paymentId}/confirm`, {});
  return res.body?.status === 'CONFIRMED' ? res.body : null;
}, 'the probe payment confirmed');
const membershipId = confirmation.membership_id;
const receiptId = (await ok(api('GET', `/v1/payments/${paymentId}/receipt`, undefined, A))).receipt_id;
const supportCaseId = (await ok(api('POST', `/v1/payments/${paymentId}/support`, { message: 'no invite' }), 201)).case_id;
const eventId = (await ok(api('GET', '/v1/events', undefined, A))).data[0].id;
// Subscribed to an event this world never writes: nothing is ever sent to it.
const endpointId = (await ok(api('POST', '/v1/webhook-endpoints',
                                 { url: 'https://hooks.example.com/probe', events: ['membership.allowance_low'] }, A),
                             201)).id;
const keyIdA = (await ok(api('GET', '/v1/api-keys', undefined, A))).data[0].key_id;
const wallet = () => Keypair.generate().publicKey.toBase58();
const handoffBody = () => ({ buyer_ref: 'discord-42', identity: { type: 'WALLET', value: wallet() } });
const handoff = await ok(api('POST', `/v1/products/${product.product_id}/handoff-link`, handoffBody(), A), 201);

const tokenOf = async (headers) => (await ok(api('POST', '/v1/auth/token', undefined, headers))).token;
const tokenA = await tokenOf(A);
const tokenB = await tokenOf(B);
const bearer = (token) => ({ authorization: `Bearer ${token}` });

// A's objects as A reads them: compared before and after every attack.
async function snapshotOfA() {
  const reads = [
    `/v1/products/${product.product_id}`, `/v1/products/${otherProduct.product_id}`,
    `/v1/products/${product.product_id}/payments`, `/v1/payments/${paymentId}/receipt`,
    `/v1/receipts/${receiptId}`, `/v1/memberships/${membershipId}`, `/v1/events/${eventId}`,
    `/v1/events/${eventId}/deliveries`, `/v1/webhook-endpoints/${endpointId}`, `/v1/support-cases/${supportCaseId}`,
    '/v1/api-keys', '/v1/products', '/v1/webhook-endpoints', '/v1/support-cases', '/v1/memberships',
  ];
  const snapshot = {};
  for (const path of reads) snapshot[path] = await ok(api('GET', path, undefined, A));
  snapshot.payment = await ok(api('GET', `/v1/payments/${paymentId}`));
  return snapshot;
}
const before = await snapshotOfA();

// An id of the same shape as `id` that names nothing: its prefix and as many random letters and digits.
function neverExisting(id) {
  const cut = id.indexOf('_') + 1;
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789';
  let body = '';
  for (const byte of randomBytes(id.length - cut)) body += alphabet[byte % alphabet.length];
  return id.slice(0, cut) + body;
}

// The error without its request id (unique per answer).
const errorOf = (res) => ({ ...(res.body?.error ?? { raw: res.text }), request_id: undefined });

// ---- cross-merchant ----------------------------------------------------------------------------------------

// [method, path template ({id}), body, A's id]: every route that takes an id of A's.
const crossMerchantRoutes = [
  ['GET', '/v1/products/{id}', undefined, product.product_id],
  ['PATCH', '/v1/products/{id}', { title: 'taken over', metadata: { crm: 'b' } }, product.product_id],
  ['DELETE', '/v1/products/{id}', undefined, product.product_id],
  ['GET', '/v1/products/{id}/payments', undefined, product.product_id],
  ['GET', '/v1/products/{id}/analytics', undefined, product.product_id],
  ['GET', '/v1/products/{id}/qr.svg', undefined, product.product_id],
  ['POST', '/v1/products/{id}/handoff-link', handoffBody(), product.product_id],
  ['GET', '/v1/payments/{id}/receipt', undefined, paymentId],
  ['POST', '/v1/payments/{id}/delivery', { delivery_value: 'https://discord.gg/taken-over' }, paymentId],
  ['POST', '/v1/payments/{id}/delivery', { status: 'FAILED', reason: 'says B' }, paymentId],
  ['GET', '/v1/receipts/{id}', undefined, receiptId],
  ['GET', '/v1/memberships/{id}', undefined, membershipId],
  ['POST', '/v1/memberships/{id}/cancel', { at_period_end: false }, membershipId],
  ['GET', '/v1/events/{id}', undefined, eventId],
  ['GET', '/v1/events/{id}/deliveries', undefined, eventId],
  ['POST', '/v1/events/{id}/redeliver', {}, eventId],
  ['GET', '/v1/webhook-endpoints/{id}', undefined, endpointId],
  ['POST', '/v1/webhook-endpoints/{id}/rotate-secret', { expires_in_seconds: 0 }, endpointId],
  ['DELETE', '/v1/webhook-endpoints/{id}', undefined, endpointId],
  ['GET', '/v1/support-cases/{id}', undefined, supportCaseId],
  ['POST', '/v1/support-cases/{id}/close', { resolution: 'closed by B' }, supportCaseId],
  ['DELETE', '/v1/api-keys/{id}', undefined, keyIdA],
];

test('merchant B gets the 404 of a never-existing id for every object of merchant A, and A keeps them unchanged',
     async () => {
  for (const [credential, headers] of [['api key', B], ['session JWT', bearer(tokenB)]]) {
    for (const [method, template, body, id] of crossMerchantRoutes) {
      const what = `${credential}: ${method} ${template}`;
      const attack = await api(method, template.replace('{id}', id), body, headers);
      const baseline = await api(method, template.replace('{id}', neverExisting(id)), body, headers);
      assert.equal(baseline.status, 404, `${what} (never-existing id): ${baseline.text}`);
      assert.equal(attack.status, 404, `${what}: ${attack.text}`);
      assert.deepEqual(errorOf(attack), errorOf(baseline), `${what}: an existence oracle`);
      assert.ok(!attack.text.includes(id), `${what}: the answer names A's id`);
    }
    // A's ids as list cursors and filters answer what ids that never existed answer.
    for (const [path, id] of [
      ['/v1/products?starting_after=', product.product_id], ['/v1/events?starting_after=', eventId],
      ['/v1/memberships?starting_after=', membershipId], ['/v1/support-cases?starting_after=', supportCaseId],
      ['/v1/webhook-endpoints?starting_after=', endpointId],
      [`/v1/products/${productB.product_id}/payments?starting_after=`, paymentId],
      ['/v1/support-cases?payment_id=', paymentId], ['/v1/memberships?product_id=', product.product_id],
    ]) {
      const attack = await api('GET', path + id, undefined, headers);
      const baseline = await api('GET', path + neverExisting(id), undefined, headers);
      assert.equal(attack.status, baseline.status, `${credential}: GET ${path}: ${attack.text}`);
      assert.deepEqual(attack.status < 300 ? attack.body : errorOf(attack),
                       baseline.status < 300 ? baseline.body : errorOf(baseline), `${credential}: GET ${path}`);
      assert.ok(!attack.text.includes(id), `${credential}: GET ${path} names A's id`);
    }
    // B's own lists hold nothing of A's.
    for (const path of ['/v1/products', '/v1/events', '/v1/memberships', '/v1/support-cases', '/v1/webhook-endpoints']) {
      const list = await ok(api('GET', path, undefined, headers));
      const text = JSON.stringify(list);
      for (const id of [product.product_id, paymentId, membershipId, eventId, supportCaseId, endpointId]) {
        assert.ok(!text.includes(id), `${credential}: B's ${path} lists ${id}`);
      }
    }
  }
  // The Idempotency-Key A used is B's to use too: no replay of A's answer across workspaces.
  const sameKey = await api('POST', '/v1/products', productBody('B with A key'), { ...B, 'idempotency-key': 'probe-k1' });
  assert.equal(sameKey.status, 201, sameKey.text);
  assert.equal(sameKey.headers.get('idempotent-replayed'), null);
  assert.notEqual(sameKey.body.product_id, product.product_id);

  assert.deepEqual(await snapshotOfA(), before, "A's objects changed under B's attacks");
  await ok(api('GET', '/v1/products', undefined, A)); // A's key still works
});

// ---- guessed ids -------------------------------------------------------------------------------------------

test('guessed ids (near, wrong prefix, over-long, non-ASCII, traversal) are 404 or 400, never a 500', async () => {
  const near = (id) => id.slice(0, -1) + (id.endsWith('a') ? 'b' : 'a');
  const guesses = (id) => [
    near(id), neverExisting(id), id.slice(0, -1), `${id}a`, id.toUpperCase(),
    `prod_${id.slice(id.indexOf('_') + 1)}`, `pay_${id.slice(id.indexOf('_') + 1)}`, id.replace('_', '-'),
    `${id.slice(0, id.indexOf('_') + 1)}${'a'.repeat(4000)}`, `${id}%00`, `${id}%C3%A9`, '%F0%9F%92%A9',
    `${id.slice(0, id.indexOf('_') + 1)}%FF%FE`, '..%2F..%2Fetc%2Fpasswd', '%2e%2e', `${id}%2F..`, "1'%20OR%20'1'='1",
  ];
  const routes = [
    // merchant routes, as the owner: a near miss of one's own id finds nothing either
    ['GET', '/v1/products/{id}', product.product_id, A],
    ['GET', '/v1/payments/{id}/receipt', paymentId, A],
    ['GET', '/v1/receipts/{id}', receiptId, A],
    ['GET', '/v1/memberships/{id}', membershipId, A],
    ['GET', '/v1/events/{id}', eventId, A],
    ['GET', '/v1/webhook-endpoints/{id}', endpointId, A],
    ['GET', '/v1/support-cases/{id}', supportCaseId, A],
    ['DELETE', '/v1/api-keys/{id}', keyIdA, A],
    // public routes: the payment id is the buyer's capability, the slug the product's
    ['GET', '/v1/payments/{id}', paymentId, {}],
    ['GET', '/v1/payments/{id}/session', paymentId, {}],
    ['POST', '/v1/payments/{id}/confirm', paymentId, {}],
    ['POST', '/v1/payments/{id}/support', paymentId, {}],
    ['GET', '/v1/solana-pay/{id}', paymentId, {}],
    ['GET', '/v1/products/p/{id}', product.slug, {}],
    ['POST', '/v1/products/p/{id}/connect', product.slug, {}],
    ['GET', '/p/{id}', product.slug, {}],
    ['GET', '/v1/memberships/{id}/manage', membershipId, {}],
  ];
  const bodies = { '/v1/payments/{id}/support': { message: 'hello' } };
  for (const [method, template, id, headers] of routes) {
    for (const guess of guesses(id).filter((g) => g !== id)) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : (bodies[template] ?? {});
      const res = await api(method, template.replace('{id}', guess), body, headers);
      const what = `${method} ${template.replace('{id}', guess.slice(0, 60))}`;
      assert.ok(res.status === 404 || res.status === 400, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
      assert.ok(res.headers.get('x-request-id'), `${what}: no request id`);
    }
  }
  // Raw bytes that are no UTF-8 at all, as a client that skips percent-encoding sends them.
  for (const path of ['/v1/payments/pay_\xff\xfe', '/v1/products/p/\xc3\x28', '/p/\x80abc']) {
    const res = await raw(Buffer.concat([Buffer.from('GET '), Buffer.from(path, 'latin1'),
                                         Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]));
    assert.ok(res.status === 404 || res.status === 400, `${JSON.stringify(path)}: ${res.head}`);
  }
  await ok(api('GET', '/v1/health'));
});

// ---- mass assignment ---------------------------------------------------------------------------------------

test('server-owned fields in create and update bodies are 422 unknown_field naming the field, and change nothing',
     async () => {
  const refused = async (what, res, field) => {
    const r = await res;
    assert.equal(r.status, 422, `${what}: ${r.text}`);
    assert.equal(r.body.error.code, 'unknown_field', `${what}: ${r.text}`);
    assert.equal(r.body.error.field, field, `${what}: ${r.text}`);
  };
  const owned = {
    product_id: 'prod_mine', merchant_id: 'mer_other', status: 'ARCHIVED', slug: 'my-slug',
    checkout_url: 'https://evil.example/p', created_at: '2020-01-01T00:00:00Z', updated_at: '2020-01-01T00:00:00Z',
    fee_bps: 0, fee_minor_units: 0, Status: 'ACTIVE', __proto__x: 1,
  };
  for (const [field, value] of Object.entries(owned)) {
    await refused(`POST /v1/products with ${field}`,
                  api('POST', '/v1/products', { ...productBody('mass'), [field]: value }, A), field);
    await refused(`PATCH /v1/products with ${field}`,
                  api('PATCH', `/v1/products/${otherProduct.product_id}`, { title: 'renamed', [field]: value }, A),
                  field);
  }
  // A nested server-owned field is named by its path.
  await refused('PATCH membership_config.status',
                api('PATCH', `/v1/products/${otherProduct.product_id}`,
                    { membership_config: { ...productBody('x').membership_config, status: 'ACTIVE' } }, A),
                'membership_config.status');
  // The public routes: a buyer cannot choose the price, the fee, the wallet paid or the session's state.
  for (const [field, value] of Object.entries({
    amount_minor_units: 1, price: 1, fee_minor_units: 0, merchant_amount_minor_units: 1,
    merchant_wallet: wallet(), token_mint: wallet(), status: 'CONFIRMED', payment_id: 'pay_mine',
    expires_at: '2099-01-01T00:00:00Z', reference: wallet(),
  })) {
    await refused(`connect with ${field}`, api('POST', `/v1/products/p/${otherProduct.slug}/connect`, { [field]: value }),
                  field);
  }
  for (const field of ['status', 'case_id', 'payment_id', 'product_id', 'created_at']) {
    await refused(`support with ${field}`,
                  api('POST', `/v1/payments/${paymentId}/support`, { message: 'x', [field]: 'CLOSED' }), field);
  }
  for (const field of ['id', 'secret', 'merchant_id', 'created_at']) {
    await refused(`webhook endpoint with ${field}`,
                  api('POST', '/v1/webhook-endpoints',
                      { url: 'https://hooks.example.com/m', events: ['payment.confirmed'], [field]: 'whsec_chosen' }, A),
                  field);
  }
  for (const field of ['key', 'key_id', 'merchant_id', 'revoked_at']) {
    await refused(`api key with ${field}`, api('POST', '/v1/api-keys', { label: 'x', [field]: 'hk_chosen' }, A), field);
  }
  for (const field of ['token', 'token_id', 'slug', 'product_id', 'expires_at']) {
    await refused(`handoff link with ${field}`,
                  api('POST', `/v1/products/${product.product_id}/handoff-link`, { ...handoffBody(), [field]: 'x' }, A),
                  field);
  }
  await refused('support close with status',
                api('POST', `/v1/support-cases/${supportCaseId}/close`, { status: 'OPEN' }, A), 'status');
  await refused('membership cancel with status',
                api('POST', `/v1/memberships/${membershipId}/cancel`, { status: 'ACTIVE' }, A), 'status');

  assert.deepEqual(await snapshotOfA(), before, 'a refused body changed something');
  const sessions = await ok(api('GET', `/v1/products/${otherProduct.product_id}/payments`, undefined, A));
  assert.equal(sessions.data.length, 0, 'a refused connect started a session');
});

// ---- size limits -------------------------------------------------------------------------------------------

// One raw request on its own connection: { status, head, body }. Rejects when no answer comes within 10 s.
// With untilClose it waits for the server to close and also answers `answers`, the status lines it sent.
function raw(bytes, { untilClose = false } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 10 s to ${bytes.toString('latin1', 0, 80)}`));
    }, 10_000);
    const finish = () => {
      clearTimeout(timer);
      const text = got.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? text.length);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), head: text.slice(0, end),
                body: end < 0 ? '' : text.slice(end + 4, end + 4 + length),
                answers: text.match(/HTTP\/1\.1 \d{3}/g) ?? [] });
      socket.destroy();
    };
    socket.on('data', (d) => {
      got = Buffer.concat([got, d]);
      const text = got.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      if (!untilClose && end >= 0 && length && got.length >= end + 4 + Number(length[1])) finish();
    });
    socket.on('end', finish);
    socket.on('error', () => (got.length ? finish() : socket.destroy()));
    socket.on('close', () => (got.length ? finish() : null));
    socket.write(bytes);
  });
}

test('over-long header lines, too many headers, over-long URIs and bodies over the limit are refused at once',
     async () => {
  const connect = `/v1/products/p/${product.slug}/connect`;
  const cases = [
    ['a header line over 8 KiB', `GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`, [400, 431]],
    ['7,000 short headers (84 KiB)',
     `GET /v1/health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 7000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`,
     [431]],
    ['a URI over 8 KiB', `GET /v1/products/p/${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, [400, 414]],
    ['a 70 KiB body with its Content-Length',
     `POST ${connect} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 71680\r\n\r\n` +
       `{"buyer_wallet":"${'a'.repeat(71680 - 19)}"}`, [413]],
    ['a Content-Length of 1 GiB with no body sent', `POST ${connect} HTTP/1.1\r\nHost: x\r\n` +
       'Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n', [413]],
    ['a 70 KiB chunked body', `POST ${connect} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
       'Transfer-Encoding: chunked\r\n\r\n' + `8000\r\n${'a'.repeat(0x8000)}\r\n`.repeat(3) + '0\r\n\r\n', [413]],
  ];
  for (const [what, request, statuses] of cases) {
    const res = await raw(Buffer.from(request, 'latin1'));
    assert.ok(statuses.includes(res.status), `${what}: ${res.head.slice(0, 200)}`);
    if (res.body) assert.ok(JSON.parse(res.body).error.code, `${what}: ${res.body.slice(0, 200)}`);
    await ok(api('GET', `/v1/products/p/${product.slug}`)); // and the server serves the next buyer
  }
  // After a request it could not parse the server closes: the rest of a broken head is never a next request.
  const broken = await raw(Buffer.from(`GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n` +
                                       'GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'), { untilClose: true });
  assert.deepEqual(broken.answers, ['HTTP/1.1 400'], broken.head);
  // Without Content-Length or chunking a request has no body (RFC 9112): answered as empty at once, never read
  // until the client closes; the bytes after it are a next request of their own.
  const unframed = await raw(Buffer.from(`POST ${connect} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n` +
                                         `{"buyer_wallet":"${'a'.repeat(70_000)}"}`, 'latin1'));
  assert.equal(unframed.status, 201, unframed.head);
  // Framing a proxy and hiltd could read differently (request smuggling) is refused.
  for (const framing of ['Content-Length: 2\r\nTransfer-Encoding: chunked', 'Content-Length: 2\r\nContent-Length: 30',
                         'Transfer-Encoding: chunked, identity', 'Content-Length: -1', 'Content-Length: 0x10']) {
    const res = await raw(Buffer.from(`POST ${connect} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
                                      `${framing}\r\n\r\n{}`, 'latin1'));
    assert.equal(res.status, 400, `${framing}: ${res.head}`);
  }
  await ok(api('GET', `/v1/products/p/${product.slug}`));
});

// ---- slowloris and idle connections ------------------------------------------------------------------------

// GET `path` on a new connection from `localAddress`; resolves { status, headers, body } or rejects after `bound`.
function getOnce(path, { localAddress = '127.0.0.1', headers = {}, bound = BUYER_BOUND_MS } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, localAddress, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, headers: res.headers, body });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`GET ${path} from ${localAddress}: no answer within ${bound} ms`));
    }, bound);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end();
  });
}

test(`new buyers are answered while ${4 * HILTD_WORKERS} idle, slow-head and slow-body connections are held open`, async () => {
  const held = new Set();
  let stopped = false;
  let opened = 0;
  // Keeps one attack connection open, reopening it whenever the server closes it (as an attacker would):
  // 'idle' connects and sends nothing; 'head' trickles a head a byte at a time; 'body' sends a whole head
  // announcing 60 KiB and trickles the body.
  const slowHead = `GET /v1/products/p/${product.slug} HTTP/1.1\r\nHost: x\r\nX-Slow: ${'s'.repeat(4000)}`;
  const slowBody = `POST /v1/products/p/${product.slug}/connect HTTP/1.1\r\nHost: x\r\n` +
                   `Content-Type: application/json\r\nContent-Length: 61440\r\n\r\n{"buyer_wallet":"${'b'.repeat(61400)}`;
  const hold = (kind) => {
    if (stopped) return;
    const socket = net.connect(port, '127.0.0.1');
    opened += 1;
    let timer = null;
    socket.on('connect', () => {
      if (stopped) {
        socket.destroy();
        return;
      }
      held.add(socket);
      if (kind === 'idle') return;
      let at = 0;
      const bytes = kind === 'head' ? slowHead : slowBody;
      if (kind === 'body') {
        at = bytes.indexOf('\r\n\r\n') + 4;
        socket.write(bytes.slice(0, at));
      }
      timer = setInterval(() => socket.write(bytes[at++ % bytes.length]), 200);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      held.delete(socket);
      hold(kind);
    });
  };
  const total = 4 * HILTD_WORKERS;
  for (let i = 0; i < total; i += 1) hold(['idle', 'head', 'body'][i % 3]);
  try {
    await waitFor(() => held.size === total, 'the attack connections open');
    // Right away, past the keep-alive timeout (2 s) and past the head deadline (5 s), when the attacker reconnects.
    for (const pause of [200, 2_500, 3_500]) {
      await new Promise((r) => setTimeout(r, pause));
      const res = await getOnce(`/v1/products/p/${product.slug}`);
      assert.equal(res.status, 200, res.body);
      assert.ok(held.size > 3 * HILTD_WORKERS, `the attack holds ${held.size} connections`);
    }
    assert.ok(opened > total, 'the server never closed an attack connection');
  } finally {
    stopped = true;
    for (const socket of held) socket.destroy();
  }
  await ok(api('GET', '/v1/health'));
});

// ---- JWT, handoff and manage tokens ------------------------------------------------------------------------

const b64url = (data) => Buffer.from(data).toString('base64url');
const jsonPart = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

test('forged, re-signed, stripped and altered JWTs are 401 and do nothing; so are expired ones and those of a revoked key', async () => {
  const [headerPart, payloadPart, signaturePart] = tokenA.split('.');
  const claims = jsonPart(payloadPart);
  assert.deepEqual(jsonPart(headerPart), { alg: 'HS256', typ: 'JWT' });
  const subB = jsonPart(tokenB.split('.')[1]).sub;
  const ed = generateKeyPairSync('ed25519');
  const hs = (key, header, payload) => {
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };
  const edSigned = (payload) => {
    const input = `${b64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
    return `${input}.${cryptoSign(null, Buffer.from(input), ed.privateKey).toString('base64url')}`;
  };
  const far = { ...claims, exp: claims.exp + 365 * 86400 };
  const forged = {
    'alg none': `${b64url('{"alg":"none","typ":"JWT"}')}.${payloadPart}.`,
    'alg None, no signature part': `${b64url('{"alg":"None"}')}.${payloadPart}`,
    'alg EdDSA signed by the attacker': edSigned(claims),
    'alg HS512 header on the real signature': `${b64url('{"alg":"HS512","typ":"JWT"}')}.${payloadPart}.${signaturePart}`,
    'HS256 with an empty key': hs('', { alg: 'HS256', typ: 'JWT' }, claims),
    'HS256 with "secret"': hs('secret', { alg: 'HS256', typ: 'JWT' }, claims),
    'HS256 keyed with the attacker\'s public key (alg confusion)':
      hs(ed.publicKey.export({ type: 'spki', format: 'pem' }), { alg: 'HS256', typ: 'JWT' }, claims),
    'signature stripped': `${headerPart}.${payloadPart}.`,
    'signature part missing': `${headerPart}.${payloadPart}`,
    'signature of another token': `${headerPart}.${payloadPart}.${tokenB.split('.')[2]}`,
    'sub changed to B': `${headerPart}.${b64url(JSON.stringify({ ...claims, sub: subB }))}.${signaturePart}`,
    'exp extended a year': `${headerPart}.${b64url(JSON.stringify(far))}.${signaturePart}`,
    'alg as an array': `${b64url('{"alg":["HS256"]}')}.${payloadPart}.${signaturePart}`,
    'four parts': `${tokenA}.${signaturePart}`,
    'an over-long token': `${headerPart}.${b64url(JSON.stringify({ ...claims, pad: 'x'.repeat(3000) }))}.${signaturePart}`,
  };
  for (const [what, token] of Object.entries(forged)) {
    for (const [method, path] of [['GET', '/v1/products'], ['DELETE', `/v1/products/${product.product_id}`],
                                  ['POST', '/v1/api-keys']]) {
      const res = await api(method, path, method === 'POST' ? {} : undefined, bearer(token));
      assert.equal(res.status, 401, `${what}: ${method} ${path}: ${res.text}`);
      assert.equal(res.body.error.code, 'unauthorized');
    }
  }
  // A token cannot mint another, and a scheme other than Bearer is refused.
  assert.equal((await api('POST', '/v1/auth/token', undefined, bearer(tokenA))).status, 401);
  assert.equal((await api('GET', '/v1/products', undefined, { authorization: `Basic ${tokenA}` })).status, 401);
  await ok(api('GET', '/v1/products', undefined, bearer(tokenA))); // the genuine token works

  // A token ends with the API key that minted it: a leaked key, revoked, leaves no session running.
  const leaked = await ok(api('POST', '/v1/api-keys', { label: 'leaked' }, A), 201);
  const fromLeaked = await tokenOf({ 'x-hilt-key': leaked.key });
  await ok(api('GET', '/v1/products', undefined, bearer(fromLeaked)));
  await ok(api('DELETE', `/v1/api-keys/${leaked.key_id}`, undefined, A));
  const afterRevoke = await api('DELETE', `/v1/products/${product.product_id}`, undefined, bearer(fromLeaked));
  assert.equal(afterRevoke.status, 401, `a token outlived its revoked key: ${afterRevoke.text}`);
  await ok(api('GET', '/v1/products', undefined, bearer(tokenA))); // another key's token is unaffected

  // Expired: the sandbox's test clock moves past the token's 15 minutes.
  await ok(api('POST', '/v1/sandbox/clock', { advance_seconds: 16 * 60 }, A));
  const expired = await api('DELETE', `/v1/products/${product.product_id}`, undefined, bearer(tokenA));
  assert.equal(expired.status, 401, expired.text);
  assert.equal((await ok(api('GET', `/v1/products/${product.product_id}`, undefined, A))).status, 'ACTIVE');
  const keys = (await ok(api('GET', '/v1/api-keys', undefined, A))).data;
  assert.deepEqual(keys.map((k) => k.key_id), [leaked.key_id, keyIdA], 'a forged token created a key');
});

test('forged, tampered, re-signed, expired and used handoff tokens are refused; a wrong manage token reads as no membership',
     async () => {
  const [claimsPart, signaturePart] = handoff.token.split('.');
  const claims = jsonPart(claimsPart);
  const ed = generateKeyPairSync('ed25519');
  const selfSigned = (c) => {
    const part = b64url(JSON.stringify(c));
    return `${part}.${cryptoSign(null, Buffer.from(`hilt-handoff-v1\n${part}`), ed.privateKey).toString('base64url')}`;
  };
  const forged = {
    'buyer_ref changed': `${b64url(JSON.stringify({ ...claims, buyer_ref: 'someone-else' }))}.${signaturePart}`,
    'another product': `${b64url(JSON.stringify({ ...claims, product_id: otherProduct.product_id, slug: otherProduct.slug }))}.${signaturePart}`,
    'expiry extended': `${b64url(JSON.stringify({ ...claims, expires_at: '2099-01-01T00:00:00Z' }))}.${signaturePart}`,
    'signed by the attacker': selfSigned({ ...claims, buyer_ref: 'attacker' }),
    'signature stripped': `${claimsPart}.`,
    'signature part missing': claimsPart,
    'junk': 'not.a.token',
  };
  for (const [what, token] of Object.entries(forged)) {
    const resolved = await api('POST', '/v1/handoff/resolve', { token });
    assert.equal(resolved.status, 401, `${what}: ${resolved.text}`);
    assert.equal(resolved.body.error.code, 'handoff_invalid', what);
    const connect = await api('POST', `/v1/products/p/${claims.slug}/connect`, { handoff_token: token });
    assert.ok([401, 404].includes(connect.status), `${what}: connect ${connect.text}`);
  }
  // Used once, refused after.
  const once = await ok(api('POST', `/v1/products/${product.product_id}/handoff-link`, handoffBody(), A), 201);
  await ok(api('POST', `/v1/products/p/${product.slug}/connect`, { handoff_token: once.token }), 201);
  const again = await api('POST', `/v1/products/p/${product.slug}/connect`, { handoff_token: once.token });
  assert.equal(again.status, 409, again.text);
  assert.equal(again.body.error.code, 'handoff_used');
  // Expired: a one-minute link, and the test clock moves past it.
  const short = await ok(api('POST', `/v1/products/${product.product_id}/handoff-link`,
                             { ...handoffBody(), expires_in_seconds: 60 }, A), 201);
  await ok(api('POST', '/v1/handoff/resolve', { token: short.token }));
  await ok(api('POST', '/v1/sandbox/clock', { advance_seconds: 61 }, A));
  const late = await api('POST', '/v1/products/p/' + product.slug + '/connect', { handoff_token: short.token });
  assert.equal(late.status, 410, late.text);
  assert.equal(late.body.error.code, 'handoff_expired');

  // Manage tokens: missing, empty, random, keyed with a guess: the 404 of a membership that does not exist.
  const unknown = neverExisting(membershipId);
  const guessedKey = createHmac('sha256', Buffer.alloc(32)).update(`hilt-manage-v1\n${membershipId}`).digest('base64url');
  for (const [path, token] of [
    [`/v1/memberships/${membershipId}/manage`, undefined], [`/v1/memberships/${membershipId}/manage`, ''],
    [`/v1/memberships/${membershipId}/manage`, randomBytes(32).toString('base64url')],
    [`/v1/memberships/${membershipId}/manage`, guessedKey],
    [`/v1/memberships/${membershipId}/manage`, 'a'.repeat(5000)],
  ]) {
    const headers = token === undefined ? {} : { 'x-hilt-manage-token': token };
    const attack = await api('GET', path, undefined, headers);
    const baseline = await api('GET', `/v1/memberships/${unknown}/manage`, undefined, headers);
    assert.equal(attack.status, 404, attack.text);
    assert.deepEqual(errorOf(attack), errorOf(baseline), 'a manage token oracle');
    for (const action of ['CANCEL', 'REAPPROVE']) {
      const post = await api('POST', `/v1/memberships/${membershipId}/manage/transaction`, { action }, headers);
      assert.equal(post.status, 404, post.text);
    }
  }
  assert.deepEqual((await ok(api('GET', `/v1/memberships/${membershipId}`, undefined, A))).cancellation, undefined);
});

// ---- SSRF through the webhook endpoint route ---------------------------------------------------------------

// Names this machine resolves to loopback other than localhost (from /etc/hosts), for a DNS-name probe.
function loopbackNames() {
  try {
    return readFileSync('/etc/hosts', 'utf8').split('\n')
      .map((line) => line.replace(/#.*/, '').trim().split(/\s+/))
      .filter(([address]) => address && (address.startsWith('127.') || address === '::1'))
      .flatMap(([, ...names]) => names)
      .filter((name) => name && name !== 'localhost' && !name.endsWith('.localhost'));
  } catch {
    return [];
  }
}

test('webhook URLs aimed at this machine, private networks or metadata services are refused (default policy)',
     async (t) => {
  const notAllowed = [
    'https://127.0.0.1/hook', 'https://127.0.0.1:8080/hook', 'https://127.1/', 'https://0177.0.0.1/',
    'https://2130706433/', 'https://0x7f000001/', 'https://0x7f.0.0.1/', 'https://0.0.0.0/', 'https://0/',
    'https://localhost/', 'https://LOCALHOST./', 'https://api.localhost/', 'https://[::1]/', 'https://[::]/',
    'https://[::ffff:127.0.0.1]/', 'https://[::ffff:7f00:1]/', 'https://[0:0:0:0:0:ffff:127.0.0.1]/',
    'https://[::ffff:169.254.169.254]/', 'https://169.254.169.254/latest/meta-data/',
    'https://metadata.google.internal/computeMetadata/v1/', 'https://metadata/', 'https://db.internal/',
    'https://printer.local/', 'https://10.0.0.1/', 'https://172.16.0.1/', 'https://192.168.0.1/',
    'https://100.64.0.1/', 'https://[fe80::1]/', 'https://[fc00::1]/', 'https://[fd00::1]/', 'https://224.0.0.1/',
    'https://255.255.255.255/', 'https://[64:ff9b::7f00:1]/', 'https://[2002:7f00:1::1]/', 'https://[::127.0.0.1]/',
  ];
  const names = loopbackNames();
  if (names.length === 0) t.diagnostic('no name in /etc/hosts maps to loopback: the DNS-name probe is skipped');
  for (const name of names) notAllowed.push(`https://${name}/hook`);
  const invalid = [
    'http://example.com/hook', 'file:///etc/passwd', 'gopher://127.0.0.1:6379/_INFO', 'ftp://example.com/',
    'https://user:pass@example.com/', 'https://127.0.0.1@example.com/', 'https://example.com@127.0.0.1/',
    'https://example.com#@127.0.0.1/', 'https://example.com\\@127.0.0.1/', 'https://exa mple.com/',
    'https://example.com:0/', 'https://example.com:65536/', 'https:///hook', '//127.0.0.1/', 'https://[::1/',
  ];
  const count = async () => (await ok(api('GET', '/v1/webhook-endpoints', undefined, A))).data.length;
  const endpoints = await count();
  for (const [urls, codes] of [[notAllowed, ['url_not_allowed']], [invalid, ['invalid_url', 'invalid_value', 'url_not_allowed']]]) {
    for (const url of urls) {
      const res = await api('POST', '/v1/webhook-endpoints', { url, events: ['payment.confirmed'] }, A);
      assert.equal(res.status, 422, `${url}: ${res.text}`);
      assert.ok(codes.includes(res.body.error.code), `${url}: ${res.text}`);
      assert.equal(res.body.error.field, 'url', url);
    }
  }
  assert.equal(await count(), endpoints, 'a refused URL created an endpoint');
});

test('a webhook receiver that redirects to another loopback service is not followed', async () => {
  // Loopback endpoints need the test flag; the point here is the redirect, which must never be followed.
  const server = await startHiltd(['--webhook-urls', 'loopback', '--webhook-retry-schedule', '100ms,100ms']);
  after(() => server.cleanup());
  const merchant = { 'x-hilt-key': server.createMerchant('Probe Redirect') };
  const hits = { redirector: 0, target: 0 };
  const listen = (handler) => new Promise((resolve) => {
    const s = http.createServer(handler);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  const target = await listen((req, res) => {
    hits.target += 1;
    res.end('stolen');
  });
  const redirector = await listen((req, res) => {
    hits.redirector += 1;
    req.resume();
    res.writeHead(307, { location: `http://127.0.0.1:${target.address().port}/internal-admin` });
    res.end();
  });
  after(() => {
    target.close();
    redirector.close();
  });
  await ok(server.api('POST', '/v1/webhook-endpoints',
                      { url: `http://127.0.0.1:${redirector.address().port}/hook`, events: ['support.case_created'] },
                      merchant), 201);
  const item = await ok(server.api('POST', '/v1/products', productBody('redirected'), merchant), 201);
  const payment = await ok(server.api('POST', `/v1/products/p/${item.slug}/connect`, {}), 201);
  await ok(server.api('POST', `/v1/payments/${payment.payment_id}/support`, { message: 'hi' }), 201);
  const event = (await ok(server.api('GET', '/v1/events?type=support.case_created', undefined, merchant))).data[0];
  const attempts = await waitFor(async () => {
    const page = await ok(server.api('GET', `/v1/events/${event.id}/deliveries`, undefined, merchant));
    const tried = page.data[0]?.attempts ?? [];
    return tried.length >= 2 ? tried : null;
  }, 'two delivery attempts');
  for (const attempt of attempts) assert.equal(attempt.status_code, 307, JSON.stringify(attempt));
  assert.ok(hits.redirector >= 2);
  assert.equal(hits.target, 0, 'the worker followed a redirect');
});

// ---- a burst from one address ------------------------------------------------------------------------------

test('a 10× burst from one address is 429 with Retry-After, another address is still served, X-Forwarded-For changes nothing',
     async () => {
  // 2 requests a second, burst 8: 80 requests are ten times the allowance.
  const limited = await startHiltd(['--public-rate-limit', '2']);
  after(() => limited.cleanup());
  const merchant = { 'x-hilt-key': limited.createMerchant('Probe Limits') };
  const item = await ok(limited.api('POST', '/v1/products', productBody('limited'), merchant), 201);
  const limitedPort = Number(new URL(limited.base).port);
  const get = (localAddress, headers = {}) => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: limitedPort, path: `/v1/products/p/${item.slug}`,
                               localAddress, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
  const started = Date.now();
  const answers = [];
  for (let i = 0; i < 80; i += 1) answers.push(await get('127.0.0.1'));
  const seconds = (Date.now() - started) / 1000;
  const served = answers.filter((a) => a.status === 200).length;
  const refused = answers.filter((a) => a.status === 429);
  assert.equal(served + refused.length, 80, answers.map((a) => a.status).join(','));
  assert.ok(served <= 8 + Math.ceil(2 * seconds) + 1, `${served} of 80 served in ${seconds} s`);
  for (const answer of refused) {
    assert.ok(Number(answer.headers['retry-after']) >= 1, JSON.stringify(answer.headers));
    assert.equal(JSON.parse(answer.body).error.code, 'rate_limited');
  }
  // Another address has its own allowance.
  for (let i = 0; i < 4; i += 1) assert.equal((await get('127.0.0.2')).status, 200, 'another address was limited');
  // A header the client writes itself does not make it someone else (only X-Real-IP from the local proxy counts):
  // ten requests, each "from" another address, get no more than the refill since the burst.
  const spoofed = [];
  for (let i = 0; i < 10; i += 1) spoofed.push(await get('127.0.0.1', { 'x-forwarded-for': `198.51.100.${i + 1}` }));
  const since = (Date.now() - started) / 1000 - seconds;
  const through = spoofed.filter((a) => a.status === 200).length;
  assert.ok(through <= 1 + Math.ceil(2 * since), `X-Forwarded-For let ${through} of 10 through in ${since} s`);
});
