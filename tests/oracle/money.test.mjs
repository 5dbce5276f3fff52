// tests/oracle/money.test.mjs: Hilt's fee split and decimal text (shared/money) against BigInt arithmetic,
// through hilt_oracle_cli (ops in ops_money.cpp).
//
//   HILT_ORACLE_CLI=build/models/tests/hilt_oracle_cli node --test tests/oracle/money.test.mjs
//
// Every random case comes from one seeded PRNG; set HILT_ORACLE_SEED to replay a failure (the seed is printed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oracleSeed, prng as basePrng, startOracle } from './harness.mjs';

const CASES = 20000;
const SEED = oracleSeed('money');

function prng(seed) {
  const { int } = basePrng(seed);
  // Non-negative int64 spread over every magnitude.
  const i64 = () => {
    const bits = BigInt(1 + int(63));
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(int(256));
    return v & ((1n << bits) - 1n);
  };
  return { int, i64 };
}
const rng = prng(SEED);
const MAX_AMOUNT = 2n ** 53n - 1n;

const { call } = startOracle();

// Oracle decimal text: BigInt division, then the documented trailing-zero rules.
function format(amount, decimals, minFraction) {
  const scale = 10n ** BigInt(decimals);
  let fraction = decimals ? (amount % scale).toString().padStart(decimals, '0') : '';
  const keep = Math.min(minFraction, decimals);
  while (fraction.length > keep && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return (amount / scale).toString() + (fraction ? '.' + fraction : '');
}

test('fee split is floor(amount * bps / 10000) and sums to the amount', async () => {
  const cases = Array.from({ length: CASES }, () => ({ amount: rng.i64(), bps: rng.int(10001) }));
  cases.push({ amount: 2n ** 63n - 1n, bps: 9999 }, { amount: 2n ** 63n - 1n, bps: 10000 }, { amount: 0n, bps: 1 });
  const answers = await Promise.all(
    cases.map((c) => call({ op: 'money_split_fee', amount: c.amount.toString(), bps: c.bps })));
  cases.forEach((c, i) => {
    const fee = (c.amount * BigInt(c.bps)) / 10000n;
    assert.deepEqual(answers[i], { fee: fee.toString(), merchant_amount: (c.amount - fee).toString() },
      `seed ${SEED} case ${JSON.stringify({ amount: c.amount.toString(), bps: c.bps })}`);
  });
});

test('decimal text matches BigInt formatting and parses back exactly', async () => {
  const cases = Array.from({ length: CASES }, () => ({ amount: rng.i64() % (MAX_AMOUNT + 1n), decimals: rng.int(10) }));
  const formatted = await Promise.all(
    cases.map((c) => call({ op: 'money_format', amount: c.amount.toString(), decimals: c.decimals })));
  const parsed = await Promise.all(
    cases.map((c, i) => call({ op: 'money_parse', text: formatted[i].display, decimals: c.decimals })));
  cases.forEach((c, i) => {
    const label = `seed ${SEED} amount ${c.amount} decimals ${c.decimals}`;
    assert.equal(formatted[i].canonical, format(c.amount, c.decimals, 0), label);
    assert.equal(formatted[i].display, format(c.amount, c.decimals, 2), label);
    assert.equal(parsed[i].minor_units, c.amount.toString(), label);
  });
});

test('parse rejects what a strict decimal grammar rejects', async () => {
  const bad = ['', ' 1', '+1', '-1', '1e3', '.5', '5.', '01', '1.2345678', '9007199254.740992'];
  const answers = await Promise.all(bad.map((text) => call({ op: 'money_parse', text, decimals: 6 })));
  answers.forEach((a, i) => assert.ok(a.error, `accepted ${JSON.stringify(bad[i])}`));
});
