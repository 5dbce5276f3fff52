// tests/e2e/test_clock_litesvm.test.mjs: hiltd's test clock on a real chain (--chain rpc --test-clock),
// LiteSVM behind the JSON-RPC adapter as in the LiteSVM journeys. Shown: with the switch, POST
// /v1/sandbox/clock exists alone (no faucet, no fault switches) and moves the time hiltd reports; without it
// the route does not exist; hiltd refuses the switch with --cluster mainnet before it starts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startChain } from './chains.mjs';
import { hiltdPath, startHiltd, waitFor } from './hiltd.mjs';

const DAY_S = 86_400;

const chain = await startChain('litesvm');
after(() => chain.stop());

async function serverWith(extraArgs) {
  const hiltd = await startHiltd([...chain.hiltdArgs, ...extraArgs]);
  after(() => hiltd.cleanup());
  const merchant = { 'x-hilt-key': hiltd.createMerchant('Clockwork Guild') };
  return { hiltd, merchant };
}

const healthTime = async (hiltd) => {
  const res = await hiltd.api('GET', '/v1/health');
  assert.equal(res.status, 200, res.text);
  return Date.parse(res.body.time) / 1000;
};

test('with --test-clock the clock route moves the time of an RPC-chain hiltd, and only it exists', async () => {
  const { hiltd, merchant } = await serverWith(['--test-clock']);
  await waitFor(() => /test_clock: on\n/.test(hiltd.output()), 'hiltd to print its configuration');
  const before = await healthTime(hiltd);
  assert.ok(Math.abs(before - Date.now() / 1000) < 60, 'the clock starts at the system time');

  const moved = await hiltd.api('POST', '/v1/sandbox/clock', { advance_seconds: 3 * DAY_S }, merchant);
  assert.equal(moved.status, 200, moved.text);
  const now = Date.parse(moved.body.now) / 1000;
  assert.ok(now >= before + 3 * DAY_S, `${moved.body.now} is three days on`);
  assert.ok(now < before + 3 * DAY_S + 60);
  assert.ok(await healthTime(hiltd) >= before + 3 * DAY_S, 'every route sees the moved clock');

  assert.equal((await hiltd.api('POST', '/v1/sandbox/clock', { advance_seconds: 60 })).status, 401);
  assert.equal((await hiltd.api('POST', '/v1/sandbox/clock', { advance_seconds: 0 }, merchant)).status, 422);

  const airdrop = await hiltd.api('POST', '/v1/sandbox/airdrop',
                                  { wallet: chain.rpc.mintAuthority.publicKey.toBase58(), asset: 'SOL',
                                    amount_minor_units: 1 });
  assert.equal(airdrop.status, 404, 'no faucet on a real chain');
  assert.equal((await hiltd.api('POST', '/v1/sandbox/faults', { fail_next_sends: 1 }, merchant)).status, 404);
});

test('without --test-clock an RPC-chain hiltd has no clock route and keeps the system time', async () => {
  const { hiltd, merchant } = await serverWith([]);
  await waitFor(() => /test_clock: off\n/.test(hiltd.output()), 'hiltd to print its configuration');
  const moved = await hiltd.api('POST', '/v1/sandbox/clock', { advance_seconds: 3 * DAY_S }, merchant);
  assert.equal(moved.status, 404, moved.text);
  assert.ok(Math.abs(await healthTime(hiltd) - Date.now() / 1000) < 60);
});

test('hiltd refuses --test-clock on mainnet before it starts (exit 2)', () => {
  const run = spawnSync(hiltdPath, ['serve', '--chain', 'rpc', '--rpc-url', chain.rpc.url, '--cluster', 'mainnet',
                                    '--test-clock', '--port', '0'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(run.status, 2, run.stdout + run.stderr);
  assert.match(run.stderr, /--test-clock: .*never on mainnet/);
});
