// tests/e2e/chains.mjs: the two chains the end-to-end journeys run against, behind one shape:
//  - 'sandbox': hiltd's in-process sandbox chain (test mode); funds through POST /v1/sandbox/airdrop and
//    faults through POST /v1/sandbox/faults;
//  - 'litesvm': a real Solana runtime (LiteSVM) behind the JSON-RPC adapter of tests/support, which hiltd
//    reaches with --chain rpc like any cluster; funds and faults through the adapter's admin calls.
// Whatever the sandbox accepts that the real runtime refuses shows up as a difference between the runs.
// Must never: let a journey reach into hiltd's chain other than the way a wallet or a cluster would.
import assert from 'node:assert/strict';
import { startLitesvmRpc } from '../support/litesvm_rpc.mjs';

// Slots of the adapter's clock, fast enough that a journey confirms in well under a second.
const LITESVM_SLOT_MS = 50;

export async function startChain(kind) {
  if (kind === 'sandbox') {
    return {
      kind,
      hiltdArgs: [],
      // Funds `wallet` (base58) with lamports and raw USDC units.
      fund: async (hiltd, wallet, { lamports, usdc }) => {
        for (const [asset, amount] of [['SOL', lamports], ['USDC', usdc]]) {
          if (!amount) continue;
          const res = await hiltd.api('POST', '/v1/sandbox/airdrop', { wallet, asset, amount_minor_units: amount });
          assert.equal(res.status, 200, res.text);
        }
      },
      // The sandbox's fault switches are a merchant's (test mode): `headers` carry its key.
      dropNextBroadcast: async (hiltd, headers) => {
        const res = await hiltd.api('POST', '/v1/sandbox/faults', { drop_next_broadcasts: 1 }, headers);
        assert.equal(res.status, 200, res.text);
      },
      stop: async () => {},
    };
  }
  assert.equal(kind, 'litesvm');
  const rpc = await startLitesvmRpc({ slotMs: LITESVM_SLOT_MS });
  return {
    kind,
    rpc,
    // A local node takes what a public endpoint would refuse: no need to wait on the default cap of 8/s.
    hiltdArgs: ['--chain', 'rpc', '--rpc-url', rpc.url, '--rpc-rate-limit', '200'],
    fund: async (_hiltd, wallet, { lamports, usdc }) => {
      if (lamports) rpc.airdropSol(wallet, lamports);
      if (usdc) rpc.mintUsdc(wallet, usdc);
    },
    dropNextBroadcast: async () => {
      rpc.setFaults({ dropNextSend: 1 });
    },
    stop: () => rpc.stop(),
  };
}
