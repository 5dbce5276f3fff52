// tests/e2e/litesvm_rpc.test.mjs: the LiteSVM JSON-RPC adapter (tests/support/litesvm_rpc.mjs) checked from the
// outside with independent clients: @solana/web3.js v1 `Connection`, @solana/spl-token and raw fetch. Expected
// values (fees, rent, balances, error shapes) are computed here, not read back from the adapter.
// Owns only the adapters it starts (one shared, slots advanced by hand with slotMs: 0, plus short-lived ones for
// the slot timer, stop() and the CLI). Must never reach a real cluster or wait a fixed time instead of polling.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import web3 from '@solana/web3.js';
import * as spl from '@solana/spl-token';
import bs58 from 'bs58';
import { startLitesvmRpc } from '../support/litesvm_rpc.mjs';
import { waitFor } from './hiltd.mjs';

const {
  Connection, Keypair, PublicKey, Transaction, TransactionInstruction, SystemProgram, ComputeBudgetProgram,
  TransactionMessage, VersionedTransaction, AddressLookupTableAccount,
} = web3;
const USDC = new PublicKey('4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU');
const DEVNET_GENESIS = 'EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG';
const MEMO_PROGRAM = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');
const ALT_PROGRAM = new PublicKey('AddressLookupTab1e1111111111111111111111111');
const ATA_RENT = 2_039_280; // (165 + 128) bytes × 6960 lamports/byte, the rent-exempt minimum of a token account
const CLI = fileURLToPath(new URL('../support/litesvm_rpc.mjs', import.meta.url));

const rpc = await startLitesvmRpc({ slotMs: 0 });
after(() => rpc.stop());
const connection = new Connection(rpc.url, { commitment: 'confirmed', disableRetryOnRateLimit: true });

// Raw JSON-RPC over fetch: { status, headers, text, json } (json null when the body is not JSON).
async function post(body, { url = rpc.url, signal } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}
let nextId = 1;
async function call(method, params = [], url = rpc.url) {
  const res = await post({ jsonrpc: '2.0', id: nextId++, method, params }, { url });
  assert.equal(res.status, 200, res.text);
  return res.json;
}
async function result(method, params = [], url = rpc.url) {
  const body = await call(method, params, url);
  assert.equal(body.error, undefined, JSON.stringify(body.error));
  return body.result;
}
const sendB64 = (tx, config = {}) =>
  call('sendTransaction', [Buffer.from(tx.serialize()).toString('base64'), { encoding: 'base64', ...config }]);
const statusOf = async (sig) =>
  (await connection.getSignatureStatuses([sig], { searchTransactionHistory: true })).value[0];
const priorityFee = (price, limit) => Math.ceil((price * limit) / 1_000_000);

async function fundedBuyer({ lamports = 1_000_000_000, usdc = 0n } = {}) {
  const buyer = Keypair.generate();
  const sig = await connection.requestAirdrop(buyer.publicKey, lamports);
  assert.equal((await statusOf(sig)).err, null);
  if (usdc > 0n) await result('hilt_mintUsdc', [buyer.publicKey.toBase58(), usdc.toString()]);
  return buyer;
}

// A Solana Pay style USDC payment: compute budget, merchant ATA (idempotent), memo, TransferChecked with the
// reference appended as a read-only non-signer key, signed by the buyer with web3.js.
const CU_LIMIT = 100_000;
const CU_PRICE = 1_234; // micro-lamports: 123.4 lamports of priority fee, rounded up
function paymentTx({ buyer, merchant, amount, reference, memo, blockhash }) {
  const buyerAta = spl.getAssociatedTokenAddressSync(USDC, buyer.publicKey);
  const merchantAta = spl.getAssociatedTokenAddressSync(USDC, merchant);
  const transfer = spl.createTransferCheckedInstruction(buyerAta, USDC, merchantAta, buyer.publicKey, amount, 6);
  transfer.keys.push({ pubkey: reference, isSigner: false, isWritable: false });
  const tx = new Transaction({ feePayer: buyer.publicKey, recentBlockhash: blockhash }).add(
    ComputeBudgetProgram.setComputeUnitLimit({ units: CU_LIMIT }),
    ComputeBudgetProgram.setComputeUnitPrice({ microLamports: CU_PRICE }),
    spl.createAssociatedTokenAccountIdempotentInstruction(buyer.publicKey, merchantAta, merchant, USDC),
    new TransactionInstruction({ programId: MEMO_PROGRAM, keys: [], data: Buffer.from(memo, 'utf8') }),
    transfer,
  );
  tx.sign(buyer);
  return { tx, buyerAta, merchantAta, signature: bs58.encode(tx.signature) };
}
const PAYMENT_FEE = 5000 + priorityFee(CU_PRICE, CU_LIMIT);
const TRANSFER_INDEX = 4;

function lamportsTx(from, to, lamports, blockhash) {
  const tx = new Transaction({ feePayer: from.publicKey, recentBlockhash: blockhash }).add(
    SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: to, lamports }));
  tx.sign(from);
  return tx;
}
const tokenAmount = async (ata) => BigInt((await connection.getTokenAccountBalance(ata)).value.amount);
const blockhash = async (commitment = 'confirmed') => (await connection.getLatestBlockhash(commitment)).blockhash;

test('starts like a devnet node: health, version, genesis hash, the USDC mint, rent', async () => {
  const health = await fetch(`${rpc.url}/health`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), 'ok');
  assert.equal(await result('getHealth'), 'ok');
  assert.equal((await connection.getVersion())['solana-core'], '3.1.8');
  assert.equal(await connection.getGenesisHash(), DEVNET_GENESIS);

  const mint = await spl.getMint(connection, USDC);
  assert.equal(mint.decimals, 6);
  assert.ok(mint.isInitialized);
  assert.ok(mint.mintAuthority.equals(rpc.mintAuthority.publicKey));
  assert.equal(mint.freezeAuthority, null);
  const info = await result('getAccountInfo', [USDC.toBase58(), { encoding: 'base64' }]);
  assert.equal(info.value.owner, spl.TOKEN_PROGRAM_ID.toBase58());
  assert.equal(info.value.space, 82);
  assert.equal(Buffer.from(info.value.data[0], 'base64')[44], 6, 'decimals at offset 44 (§3.8)');
  const rawInfo = await post({
    jsonrpc: '2.0', id: 1, method: 'getAccountInfo', params: [USDC.toBase58(), { encoding: 'base64' }],
  });
  assert.match(rawInfo.text, /"rentEpoch":18446744073709551615[,}]/, 'u64::MAX written exactly');

  assert.equal(await connection.getMinimumBalanceForRentExemption(165), ATA_RENT);
  assert.equal(await connection.getMinimumBalanceForRentExemption(0), 128 * 6960);
  const nobody = Keypair.generate().publicKey;
  assert.equal(await connection.getAccountInfo(nobody), null);
  const both = await result('getMultipleAccounts', [[USDC.toBase58(), nobody.toBase58()], { encoding: 'base64' }]);
  assert.deepEqual([both.value[0].owner, both.value[1]], [spl.TOKEN_PROGRAM_ID.toBase58(), null]);
  assert.equal(await connection.getBalance(nobody), 0);
  assert.equal(await connection.getSlot('processed'), await connection.getBlockHeight('processed'));
  assert.equal(await connection.getBlockHeight('processed') - await connection.getBlockHeight('confirmed'), 1);
});

test('jsonParsed account reads: a mint and a token account as spl-token decodes them, base64 otherwise', async () => {
  const buyer = await fundedBuyer({ usdc: 1_234_567n });
  const ata = spl.getAssociatedTokenAddressSync(USDC, buyer.publicKey);
  const mint = await spl.getMint(connection, USDC);
  const parsedMint = (await connection.getParsedAccountInfo(USDC)).value;
  assert.equal(parsedMint.owner.toBase58(), spl.TOKEN_PROGRAM_ID.toBase58());
  assert.equal(parsedMint.data.program, 'spl-token');
  assert.equal(parsedMint.data.space, 82);
  assert.deepEqual(parsedMint.data.parsed, { type: 'mint', info: {
    decimals: mint.decimals, freezeAuthority: null, isInitialized: true,
    mintAuthority: mint.mintAuthority.toBase58(), supply: mint.supply.toString(),
  } });
  const account = await spl.getAccount(connection, ata);
  const parsedAccount = (await connection.getParsedAccountInfo(ata)).value;
  assert.equal(parsedAccount.data.program, 'spl-token');
  assert.deepEqual(parsedAccount.data.parsed, { type: 'account', info: {
    isNative: false, mint: USDC.toBase58(), owner: buyer.publicKey.toBase58(), state: 'initialized',
    tokenAmount: { amount: '1234567', decimals: 6, uiAmount: 1.234567, uiAmountString: '1.234567' },
  } });
  assert.equal(account.amount, 1_234_567n);
  // A wallet (system account, no data) is not parsable: base64, as a validator answers.
  const wallet = await result('getAccountInfo', [buyer.publicKey.toBase58(), { encoding: 'jsonParsed' }]);
  assert.deepEqual(wallet.value.data, ['', 'base64']);
});

test('a Solana Pay USDC payment lands, confirms, finalizes and is found by its reference', async () => {
  const buyer = await fundedBuyer({ usdc: 25_000_000n });
  const merchant = Keypair.generate().publicKey;
  const reference = Keypair.generate().publicKey;
  const latest = await connection.getLatestBlockhash('confirmed');
  const pay = paymentTx({ buyer, merchant, amount: 12_500_000n, reference, memo: 'order-42',
                          blockhash: latest.blockhash });
  assert.equal(await tokenAmount(pay.buyerAta), 25_000_000n);
  const solBefore = await connection.getBalance(buyer.publicKey, 'processed');

  const sig = await connection.sendRawTransaction(pay.tx.serialize());
  assert.equal(sig, pay.signature, 'sendTransaction returns the first signature');
  const processed = await statusOf(sig);
  assert.equal(processed.confirmationStatus, 'processed');
  assert.equal(processed.confirmations, 0);
  assert.equal(await connection.getTransaction(sig, { maxSupportedTransactionVersion: 0 }), null,
               'not returned at confirmed before it is confirmed');

  rpc.advance(1);
  const confirmed = await waitFor(async () => {
    const s = await statusOf(sig);
    return s?.confirmationStatus === 'confirmed' ? s : null;
  }, 'confirmed');
  assert.equal(confirmed.err, null);
  assert.equal(confirmed.slot, processed.slot);

  const got = await result('getTransaction',
                           [sig, { commitment: 'confirmed', maxSupportedTransactionVersion: 0, encoding: 'json' }]);
  assert.equal(got.version, 'legacy');
  assert.equal(got.slot, processed.slot);
  assert.ok(Math.abs(got.blockTime - Date.now() / 1000) < 120, `blockTime ${got.blockTime} is real time`);
  assert.equal(got.meta.err, null);
  assert.deepEqual(got.meta.status, { Ok: null });
  assert.equal(got.meta.fee, PAYMENT_FEE);
  const keys = got.transaction.message.accountKeys;
  assert.equal(got.transaction.signatures[0], sig);
  assert.ok(keys.includes(reference.toBase58()), 'the reference is an account key');
  const buyerIdx = keys.indexOf(buyer.publicKey.toBase58());
  assert.equal(got.meta.preBalances[buyerIdx], solBefore);
  assert.equal(got.meta.preBalances[buyerIdx] - got.meta.postBalances[buyerIdx], PAYMENT_FEE + ATA_RENT);
  const buyerAtaIdx = keys.indexOf(pay.buyerAta.toBase58());
  const merchantAtaIdx = keys.indexOf(pay.merchantAta.toBase58());
  const token = (list, idx) => list.find((b) => b.accountIndex === idx);
  assert.deepEqual(token(got.meta.preTokenBalances, buyerAtaIdx), {
    accountIndex: buyerAtaIdx, mint: USDC.toBase58(), owner: buyer.publicKey.toBase58(),
    programId: spl.TOKEN_PROGRAM_ID.toBase58(),
    uiTokenAmount: { amount: '25000000', decimals: 6, uiAmount: 25, uiAmountString: '25' },
  });
  assert.equal(token(got.meta.preTokenBalances, merchantAtaIdx), undefined, 'the merchant ATA did not exist before');
  assert.deepEqual(token(got.meta.postTokenBalances, buyerAtaIdx).uiTokenAmount,
                   { amount: '12500000', decimals: 6, uiAmount: 12.5, uiAmountString: '12.5' });
  assert.equal(token(got.meta.postTokenBalances, merchantAtaIdx).owner, merchant.toBase58());
  assert.equal(token(got.meta.postTokenBalances, merchantAtaIdx).uiTokenAmount.amount, '12500000');
  assert.ok(got.meta.logMessages.some((l) => l.includes('order-42')), 'the memo program logged the memo');
  assert.ok(got.meta.computeUnitsConsumed > 0 && got.meta.computeUnitsConsumed <= CU_LIMIT);
  assert.deepEqual(got.meta.loadedAddresses, { writable: [], readonly: [] });
  const transferIx = got.transaction.message.instructions[TRANSFER_INDEX];
  assert.equal(keys[transferIx.programIdIndex], spl.TOKEN_PROGRAM_ID.toBase58());
  assert.equal(keys[transferIx.accounts[4]], reference.toBase58(), 'reference appended to the transfer');

  // Found through its reference (a read-only non-signer key), newest first, with the memo.
  const found = await connection.getSignaturesForAddress(reference);
  assert.deepEqual(found.map((f) => [f.signature, f.memo, f.err, f.confirmationStatus]),
                   [[sig, '[8] order-42', null, 'confirmed']]);
  assert.deepEqual(await connection.getSignaturesForAddress(reference, {}, 'finalized'), []);
  const finalizedOnly = { commitment: 'finalized', maxSupportedTransactionVersion: 0 };
  assert.equal(await connection.getTransaction(sig, finalizedOnly), null);

  rpc.advance(30);
  assert.equal((await statusOf(sig)).confirmationStatus, 'confirmed', '31 slots: not yet finalized');
  rpc.advance(1);
  const finalized = await statusOf(sig);
  assert.equal(finalized.confirmationStatus, 'finalized');
  assert.equal(finalized.confirmations, null);
  const fin = await connection.getTransaction(sig, finalizedOnly);
  assert.equal(fin.meta.fee, PAYMENT_FEE);
  const [rooted] = await connection.getSignaturesForAddress(reference, {}, 'finalized');
  assert.equal(rooted.confirmationStatus, 'finalized');
  assert.equal(await tokenAmount(pay.merchantAta), 12_500_000n);
  assert.equal(await tokenAmount(pay.buyerAta), 12_500_000n);
});

test('preflight: insufficient funds -32002 + InstructionError, bad signature -32003, duplicate', async () => {
  const buyer = await fundedBuyer({ usdc: 1_000_000n });
  const merchant = Keypair.generate().publicKey;
  const reference = Keypair.generate().publicKey;
  const bh = await blockhash();
  const solBefore = await connection.getBalance(buyer.publicKey, 'processed');

  const tooMuch = paymentTx({ buyer, merchant, amount: 2_000_000n, reference, memo: 'x', blockhash: bh });
  const refused = await sendB64(tooMuch.tx);
  assert.equal(refused.error.code, -32002);
  assert.equal(refused.error.message, 'Transaction simulation failed: ' +
               `Error processing Instruction ${TRANSFER_INDEX}: custom program error: 0x1`);
  // Custom 1 is the token program's TokenError::InsufficientFunds.
  assert.deepEqual(refused.error.data.err, { InstructionError: [TRANSFER_INDEX, { Custom: 1 }] });
  assert.ok(refused.error.data.logs.some((l) => l.includes('insufficient funds')), refused.error.data.logs.join('\n'));
  assert.ok(refused.error.data.unitsConsumed > 0);
  await assert.rejects(connection.sendRawTransaction(tooMuch.tx.serialize()), /custom program error: 0x1/);
  assert.equal(await statusOf(tooMuch.signature), null, 'a refused preflight lands nothing');
  assert.equal(await connection.getBalance(buyer.publicKey, 'processed'), solBefore, 'and charges no fee');

  const ok = paymentTx({ buyer, merchant, amount: 400_000n, reference, memo: 'y', blockhash: bh });
  const tampered = Buffer.from(ok.tx.serialize());
  tampered[1 + 10] ^= 0x01; // a byte of signature 0
  const badSig = await call('sendTransaction', [tampered.toString('base64'), { encoding: 'base64' }]);
  assert.deepEqual(badSig.error, { code: -32003, message: 'Transaction signature verification failure' });
  const badMsg = Buffer.from(ok.tx.serialize());
  badMsg[badMsg.length - 1] ^= 0x01; // the last data byte of the transfer: signed bytes changed
  assert.equal((await call('sendTransaction', [badMsg.toString('base64'), { encoding: 'base64' }])).error.code, -32003);

  // The default encoding is base58.
  const sent = await call('sendTransaction', [bs58.encode(ok.tx.serialize())]);
  assert.equal(sent.result, ok.signature);
  const dup = await sendB64(ok.tx);
  assert.equal(dup.error.code, -32002);
  assert.equal(dup.error.data.err, 'AlreadyProcessed');
  assert.equal(dup.error.message, 'Transaction simulation failed: This transaction has already been processed');
  // With skipPreflight a validator accepts the bytes again and the leader drops them: same signature, no effect.
  assert.equal((await sendB64(ok.tx, { skipPreflight: true })).result, ok.signature);
  assert.equal(await tokenAmount(ok.buyerAta), 600_000n, 'executed once');
  assert.equal(await connection.getBalance(buyer.publicKey, 'processed'), solBefore - PAYMENT_FEE - ATA_RENT);
});

test('skipPreflight lands a failing transaction: status and meta carry the error, the fee is charged', async () => {
  const buyer = await fundedBuyer({ usdc: 1_000_000n });
  const merchant = Keypair.generate().publicKey;
  const pay = paymentTx({ buyer, merchant, amount: 5_000_000n, reference: Keypair.generate().publicKey, memo: 'z',
                          blockhash: await blockhash() });
  const solBefore = await connection.getBalance(buyer.publicKey, 'processed');
  assert.equal((await sendB64(pay.tx, { skipPreflight: true })).result, pay.signature);
  rpc.advance(1);
  const status = await statusOf(pay.signature);
  const expected = { InstructionError: [TRANSFER_INDEX, { Custom: 1 }] };
  assert.deepEqual(status.err, expected);
  assert.deepEqual(status.status, { Err: expected });
  const got = await result('getTransaction',
                           [pay.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }]);
  assert.deepEqual(got.meta.err, expected);
  assert.equal(got.meta.fee, PAYMENT_FEE);
  assert.equal(await connection.getBalance(buyer.publicKey, 'processed'), solBefore - PAYMENT_FEE,
               'the fee only: the ATA creation rolled back with the failed transfer');
  assert.equal(await tokenAmount(pay.buyerAta), 1_000_000n);
  assert.equal(await connection.getAccountInfo(pay.merchantAta, 'processed'), null);
});

test('blockhashes: valid through lastValidBlockHeight (issue height + 150), then BlockhashNotFound', async () => {
  const payer = await fundedBuyer();
  const to = Keypair.generate().publicKey;
  const height0 = await connection.getBlockHeight('processed');
  const issued = await connection.getLatestBlockhash('processed');
  assert.equal(issued.lastValidBlockHeight, height0 + 150);
  rpc.advance(1);
  assert.notEqual(await blockhash('processed'), issued.blockhash, 'a new blockhash every slot');

  rpc.advance(149); // height0 + 150 == lastValidBlockHeight: still accepted
  assert.equal(await connection.getBlockHeight('processed'), issued.lastValidBlockHeight);
  assert.equal((await connection.isBlockhashValid(issued.blockhash, { commitment: 'processed' })).value, true);
  const late = lamportsTx(payer, to, 1_000_000, issued.blockhash);
  assert.equal((await sendB64(late)).result, bs58.encode(late.signature));

  rpc.advance(1);
  assert.equal((await connection.isBlockhashValid(issued.blockhash, { commitment: 'processed' })).value, false);
  const tooLate = lamportsTx(payer, to, 2_000_000, issued.blockhash);
  const refused = await sendB64(tooLate);
  assert.equal(refused.error.code, -32002);
  assert.equal(refused.error.data.err, 'BlockhashNotFound');
  assert.deepEqual(refused.error.data.logs, []);
  // skipPreflight: accepted by the node, never lands.
  assert.equal((await sendB64(tooLate, { skipPreflight: true })).result, bs58.encode(tooLate.signature));
  rpc.advance(1);
  assert.equal(await statusOf(bs58.encode(tooLate.signature)), null);

  const unknown = lamportsTx(payer, to, 3_000_000, Keypair.generate().publicKey.toBase58());
  assert.equal((await sendB64(unknown)).error.data.err, 'BlockhashNotFound');
  assert.equal(await connection.getBalance(to, 'processed'), 1_000_000);
});

test('simulateTransaction: unsigned simulation, sigVerify, replaceRecentBlockhash, accounts', async () => {
  const payer = await fundedBuyer();
  const to = Keypair.generate().publicKey;
  const unsigned = new Transaction({ feePayer: payer.publicKey, recentBlockhash: await blockhash() }).add(
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 7_000_000 }));
  const b64 = unsigned.serialize({ requireAllSignatures: false, verifySignatures: false }).toString('base64');
  const sim = await result('simulateTransaction', [b64, {
    encoding: 'base64', commitment: 'confirmed', accounts: { addresses: [to.toBase58()], encoding: 'base64' } }]);
  assert.equal(sim.value.err, null);
  assert.equal(sim.value.unitsConsumed, 150); // the System program's transfer cost
  assert.deepEqual(sim.value.logs, [`Program ${SystemProgram.programId.toBase58()} invoke [1]`,
                                    `Program ${SystemProgram.programId.toBase58()} success`]);
  assert.equal(sim.value.accounts[0].lamports, 7_000_000);
  assert.equal(sim.value.fee, 5000);
  assert.equal(await connection.getBalance(to, 'processed'), 0, 'a simulation changes nothing');

  const verify = await call('simulateTransaction', [b64, { encoding: 'base64', sigVerify: true }]);
  assert.equal(verify.error.code, -32003);
  const conflict = await call('simulateTransaction',
                              [b64, { encoding: 'base64', sigVerify: true, replaceRecentBlockhash: true }]);
  assert.equal(conflict.error.code, -32602);

  const stale = new Transaction({ feePayer: payer.publicKey, recentBlockhash: Keypair.generate().publicKey.toBase58() })
    .add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 1_000_000 }));
  const staleB64 = stale.serialize({ requireAllSignatures: false, verifySignatures: false }).toString('base64');
  const staleSim = await result('simulateTransaction', [staleB64, { encoding: 'base64' }]);
  assert.equal(staleSim.value.err, 'BlockhashNotFound');
  const replaced = await result('simulateTransaction',
                                [staleB64, { encoding: 'base64', replaceRecentBlockhash: true }]);
  assert.equal(replaced.value.err, null);
  const latest = await connection.getLatestBlockhash('processed');
  assert.deepEqual(replaced.value.replacementBlockhash,
                   { blockhash: latest.blockhash, lastValidBlockHeight: latest.lastValidBlockHeight });
});

test('the index outlives LiteSVM\'s 32-entry history: statuses, lookups, paging, duplicates for all', async () => {
  const payer = await fundedBuyer({ lamports: 10_000_000_000 });
  const to = Keypair.generate().publicKey;
  const bh = await blockhash();
  const sigs = [];
  const txs = [];
  for (let i = 0; i < 40; i++) {
    const tx = lamportsTx(payer, to, 1_000_000 + i, bh);
    txs.push(tx);
    sigs.push((await sendB64(tx)).result);
  }
  assert.deepEqual(sigs, txs.map((t) => bs58.encode(t.signature)));
  rpc.advance(1);
  const statuses = (await connection.getSignatureStatuses(sigs)).value;
  assert.ok(statuses.every((s) => s.confirmationStatus === 'confirmed' && s.err === null));
  const first = await connection.getTransaction(sigs[0], { maxSupportedTransactionVersion: 0 });
  assert.equal(first.meta.postBalances[1] - first.meta.preBalances[1], 1_000_000);
  assert.equal((await sendB64(txs[0])).error.data.err, 'AlreadyProcessed', 'the 1st of 40 is still a duplicate');
  assert.equal((await sendB64(txs[0], { skipPreflight: true })).result, sigs[0]);
  const total = Array.from({ length: 40 }, (_, i) => 1_000_000 + i).reduce((a, b) => a + b, 0);
  assert.equal(await connection.getBalance(to, 'processed'), total, 'no replay executed');

  // Newest first; `before` and `until` are exclusive. The airdrop that funded nobody is not here: `to` only.
  const newest = [...sigs].reverse();
  const page1 = await connection.getSignaturesForAddress(to, { limit: 10 });
  assert.deepEqual(page1.map((s) => s.signature), newest.slice(0, 10));
  const page2 = await connection.getSignaturesForAddress(to, { limit: 10, before: page1[9].signature });
  assert.deepEqual(page2.map((s) => s.signature), newest.slice(10, 20));
  const upTo = await connection.getSignaturesForAddress(to, { until: newest[5] });
  assert.deepEqual(upTo.map((s) => s.signature), newest.slice(0, 5));
  assert.equal((await connection.getSignaturesForAddress(to)).length, 40);
  assert.deepEqual(await connection.getSignaturesForAddress(to, { before: bs58.encode(Buffer.alloc(64, 7)) }), []);
  assert.equal((await call('getSignatureStatuses', [new Array(257).fill(sigs[0])])).error.code, -32602);
});

test('a v0 transaction with a lookup table: -32015 without maxSupportedTransactionVersion, loaded keys', async () => {
  const payer = Keypair.generate();
  const airdrop = await result('hilt_airdropSol', [payer.publicKey.toBase58(), 2_000_000_000]);
  assert.equal((await statusOf(airdrop)).err, null);
  assert.equal(await connection.getBalance(payer.publicKey, 'processed'), 2_000_000_000);
  const recipient = Keypair.generate().publicKey;
  const tableKey = Keypair.generate().publicKey;
  // An active lookup table written straight into LiteSVM: 56-byte LookupTableMeta, then the addresses.
  const addresses = [Keypair.generate().publicKey, recipient];
  const data = Buffer.alloc(56 + 32 * addresses.length);
  data.writeUInt32LE(1, 0); // ProgramState::LookupTable
  data.writeBigUInt64LE(2n ** 64n - 1n, 4); // deactivation_slot: active
  data[21] = 1; // authority: Some
  payer.publicKey.toBuffer().copy(data, 22);
  addresses.forEach((a, i) => a.toBuffer().copy(data, 56 + 32 * i));
  const table = new AddressLookupTableAccount({ key: tableKey, state: AddressLookupTableAccount.deserialize(data) });
  assert.ok(table.isActive());
  rpc.svm.setAccount({
    address: tableKey.toBase58(), lamports: 10_000_000n, data, programAddress: ALT_PROGRAM.toBase58(),
    executable: false,
  });

  const message = new TransactionMessage({
    payerKey: payer.publicKey,
    recentBlockhash: await blockhash(),
    instructions: [SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: recipient, lamports: 3_000_000 })],
  }).compileToV0Message([table]);
  assert.equal(message.addressTableLookups.length, 1, 'the recipient comes from the table');
  const tx = new VersionedTransaction(message);
  tx.sign([payer]);
  const wire = Buffer.from(tx.serialize());
  const sig = await connection.sendRawTransaction(wire);
  rpc.advance(1);

  const refused = await call('getTransaction', [sig, { commitment: 'confirmed' }]);
  assert.equal(refused.error.code, -32015);
  assert.match(refused.error.message, /"maxSupportedTransactionVersion": 0/);
  const got = await result('getTransaction', [sig, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }]);
  assert.equal(got.version, 0);
  assert.deepEqual(got.meta.loadedAddresses, { writable: [recipient.toBase58()], readonly: [] });
  assert.deepEqual(got.transaction.message.addressTableLookups,
                   [{ accountKey: tableKey.toBase58(), writableIndexes: [1], readonlyIndexes: [] }]);
  const recipientIdx = got.transaction.message.accountKeys.length; // first loaded key follows the static ones
  assert.equal(got.meta.postBalances[recipientIdx] - got.meta.preBalances[recipientIdx], 3_000_000);
  const b64 = await result('getTransaction',
                           [sig, { commitment: 'confirmed', maxSupportedTransactionVersion: 0, encoding: 'base64' }]);
  assert.deepEqual(b64.transaction, [wire.toString('base64'), 'base64']);
  assert.deepEqual((await connection.getSignaturesForAddress(recipient)).map((s) => s.signature), [sig]);
  assert.equal(await connection.getBalance(recipient), 3_000_000);
});

test('JSON-RPC envelope: batches, parse errors, unknown methods, invalid params, commitment rules', async () => {
  const batch = await post([
    { jsonrpc: '2.0', id: 'a', method: 'getSlot', params: [{ commitment: 'processed' }] },
    { jsonrpc: '2.0', id: 7, method: 'getBlockHeight', params: [{ commitment: 'processed' }] },
    { jsonrpc: '2.0', id: 8, method: 'getNothing', params: [] },
    { jsonrpc: '2.0', id: 9, method: 'getBalance', params: ['not-a-key'] },
  ]);
  assert.equal(batch.status, 200);
  assert.deepEqual(batch.json.map((r) => r.id), ['a', 7, 8, 9]);
  assert.equal(batch.json[0].result, batch.json[1].result);
  assert.equal(batch.json[2].error.code, -32601);
  assert.equal(batch.json[3].error.code, -32602);

  const plain = await fetch(rpc.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
  assert.equal(plain.status, 415, 'a validator requires Content-Type: application/json');
  const bad = await post('{"jsonrpc":"2.0","id":1,"method":');
  assert.deepEqual(bad.json, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
  assert.equal((await post([])).json.error.code, -32600);
  const sig = bs58.encode(Buffer.alloc(64, 1));
  assert.equal((await call('getTransaction', [sig, { commitment: 'processed' }])).error.code, -32602);
  const processedHistory = await call('getSignaturesForAddress', [USDC.toBase58(), { commitment: 'processed' }]);
  assert.equal(processedHistory.error.code, -32602);
  assert.equal(await result('getTransaction', [sig, { commitment: 'confirmed' }]), null);
  const ctx = await result('getBalance', [USDC.toBase58(), { commitment: 'confirmed' }]);
  assert.deepEqual(Object.keys(ctx.context).sort(), ['apiVersion', 'slot']);
  assert.equal(ctx.context.slot, await connection.getSlot('confirmed'));
});

test('transport faults: 429 with Retry-After, 403, malformed 200, a held request; counters decrement', async () => {
  const getSlot = () => post({ jsonrpc: '2.0', id: 1, method: 'getSlot', params: [{ commitment: 'processed' }] });
  await result('hilt_setFaults', [{ rateLimit: 2 }]);
  for (let i = 0; i < 2; i++) {
    const limited = await getSlot();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal(limited.json.error.code, 429);
    assert.equal((await result('hilt_stats')).faults.rateLimit, 1 - i, 'hilt_* calls are exempt and see the counter');
  }
  assert.equal((await getSlot()).status, 200);

  await result('hilt_setFaults', [{ forbidden: 1 }]);
  await assert.rejects(connection.getSlot(), /403/);
  assert.equal((await getSlot()).status, 200);

  await result('hilt_setFaults', [{ malformed: 1 }]);
  const garbled = await getSlot();
  assert.equal(garbled.status, 200);
  assert.equal(garbled.json, null, `not JSON: ${garbled.text}`);
  assert.equal((await getSlot()).json.jsonrpc, '2.0');

  await result('hilt_setFaults', [{ timeout: 1 }]);
  await assert.rejects(post({ jsonrpc: '2.0', id: 1, method: 'getSlot' }, { signal: AbortSignal.timeout(300) }),
                       (e) => e.name === 'TimeoutError');
  assert.equal((await getSlot()).status, 200);

  await result('hilt_setFaults', [{ rateLimit: 1 }]);
  await assert.rejects(connection.getBalance(USDC), /429/);
  const stats = await result('hilt_stats');
  const kinds = ['rateLimit', 'forbidden', 'malformed', 'timeout'];
  assert.deepEqual(kinds.map((k) => stats.faultsServed[k]), [3, 1, 1, 1]);
  assert.deepEqual(kinds.map((k) => stats.faults[k]), [0, 0, 0, 0]);
});

test('stats count requests by method since start and since reset', async () => {
  await result('hilt_resetStats');
  await connection.getSlot();
  await connection.getSlot();
  await post([{ jsonrpc: '2.0', id: 1, method: 'getHealth' }, { jsonrpc: '2.0', id: 2, method: 'getHealth' }]);
  const stats = await result('hilt_stats');
  assert.deepEqual(stats.sinceReset.methods, { getSlot: 2, getHealth: 2, hilt_stats: 1 });
  assert.equal(stats.sinceReset.total, 5);
  assert.ok(stats.sinceStart.methods.getSlot > 2);
  assert.ok(stats.sinceStart.total > stats.sinceReset.total);
});

test('dropNextSend: the node answers with the signature but the transaction never executes', async () => {
  const buyer = await fundedBuyer({ usdc: 3_000_000n });
  const pay = paymentTx({ buyer, merchant: Keypair.generate().publicKey, amount: 1_000_000n,
                          reference: Keypair.generate().publicKey, memo: 'drop', blockhash: await blockhash() });
  await result('hilt_setFaults', [{ dropNextSend: 1 }]);
  assert.equal((await sendB64(pay.tx)).result, pay.signature);
  rpc.advance(2);
  assert.equal(await statusOf(pay.signature), null);
  assert.equal(await tokenAmount(pay.buyerAta), 3_000_000n);
  assert.equal((await result('hilt_stats')).faultsServed.dropNextSend, 1);
  // Rebroadcasting the same bytes (the server recipe) lands it.
  assert.equal((await sendB64(pay.tx)).result, pay.signature);
  assert.equal((await statusOf(pay.signature)).confirmationStatus, 'processed');
  assert.equal(await tokenAmount(pay.buyerAta), 2_000_000n);
});

test('dropAfterConfirmed: a confirmed payment and what built on it vanish before finalization', async () => {
  const buyer = await fundedBuyer({ usdc: 5_000_000n });
  const bystander = await fundedBuyer();
  const merchant = Keypair.generate().publicKey;
  const reference = Keypair.generate().publicKey;
  const bh = await blockhash();
  const pay = paymentTx({ buyer, merchant, amount: 2_000_000n, reference, memo: 'fork', blockhash: bh });
  const solBefore = await connection.getBalance(buyer.publicKey, 'processed');

  await result('hilt_setFaults', [{ dropAfterConfirmed: 1 }]);
  assert.equal((await sendB64(pay.tx)).result, pay.signature);
  const onTop = lamportsTx(buyer, Keypair.generate().publicKey, 1_000_000, bh); // writes the buyer again: same fork
  const elsewhere = lamportsTx(bystander, Keypair.generate().publicKey, 1_000_000, bh); // unrelated accounts
  assert.equal((await sendB64(onTop)).error, undefined);
  assert.equal((await sendB64(elsewhere)).error, undefined);
  const landed = (await statusOf(pay.signature)).slot;

  rpc.advance(1);
  assert.equal((await statusOf(pay.signature)).confirmationStatus, 'confirmed');
  assert.equal((await connection.getSignaturesForAddress(reference)).length, 1);
  // Default window: halfway from confirmed (1 slot) to finalized (32): dropped 1 + 15 slots after landing.
  rpc.advance(14);
  assert.equal((await statusOf(pay.signature)).confirmationStatus, 'confirmed');
  rpc.advance(1);
  assert.equal(await connection.getSlot('processed'), landed + 16);
  const gone = await connection.getSignatureStatuses([pay.signature, bs58.encode(onTop.signature)]);
  assert.deepEqual(gone.value, [null, null]);
  assert.equal((await statusOf(bs58.encode(elsewhere.signature))).err, null, 'an unrelated transaction stays');
  assert.equal(await connection.getTransaction(pay.signature, { maxSupportedTransactionVersion: 0 }), null);
  assert.deepEqual(await connection.getSignaturesForAddress(reference), []);
  assert.equal(await connection.getBalance(buyer.publicKey, 'processed'), solBefore);
  assert.equal(await tokenAmount(pay.buyerAta), 5_000_000n);
  assert.equal(await connection.getAccountInfo(pay.merchantAta, 'processed'), null, 'the ATA it created is gone');
  const stats = await result('hilt_stats');
  assert.deepEqual(stats.droppedSignatures.slice(-2).sort(), [pay.signature, bs58.encode(onTop.signature)].sort());

  // Its blockhash is still valid: rebroadcasting lands it again, and this time it finalizes.
  assert.equal((await sendB64(pay.tx)).result, pay.signature);
  rpc.advance(32);
  assert.equal((await statusOf(pay.signature)).confirmationStatus, 'finalized');
  assert.equal(await tokenAmount(pay.merchantAta), 2_000_000n);
});

test('expireBlockhashes jumps past every issued blockhash; confirmDelaySlots holds confirmation', async () => {
  const payer = await fundedBuyer();
  const issued = await connection.getLatestBlockhash('confirmed');
  await result('hilt_setFaults', [{ expireBlockhashes: true }]);
  assert.ok(await connection.getBlockHeight('confirmed') > issued.lastValidBlockHeight);
  const stale = lamportsTx(payer, Keypair.generate().publicKey, 1_000_000, issued.blockhash);
  assert.equal((await sendB64(stale)).error.data.err, 'BlockhashNotFound');

  await result('hilt_setFaults', [{ confirmDelaySlots: 3 }]);
  const tx = lamportsTx(payer, Keypair.generate().publicKey, 1_000_000, await blockhash());
  const sig = (await sendB64(tx)).result;
  const before = await connection.getSlot('processed');
  assert.deepEqual(await result('hilt_advanceSlots', [3]), { slot: before + 3, blockHeight: before + 3 });
  assert.equal((await statusOf(sig)).confirmationStatus, 'processed', 'held 3 extra slots');
  rpc.advance(1);
  assert.equal((await statusOf(sig)).confirmationStatus, 'confirmed');
  await result('hilt_setFaults', [{ confirmDelaySlots: 0 }]);
});

test('the slot clock runs by itself and drives LiteSVM\'s clock at real time', async () => {
  const timed = await startLitesvmRpc({ slotMs: 20 });
  try {
    const first = await result('getSlot', [{ commitment: 'processed' }], timed.url);
    const later = await waitFor(async () => {
      const s = await result('getSlot', [{ commitment: 'processed' }], timed.url);
      return s >= first + 3 ? s : null;
    }, 'three slots');
    assert.ok(later >= first + 3);
    const clock = timed.svm.getClock();
    assert.ok(Number(clock.slot) >= later);
    assert.ok(Math.abs(Number(clock.unixTimestamp) - Date.now() / 1000) < 5, 'unix_timestamp is now, not 1970');
  } finally {
    await timed.stop();
  }
});

test('stop() closes requests held by the timeout fault', async () => {
  const held = await startLitesvmRpc({ slotMs: 0 });
  held.setFaults({ timeout: 1 });
  const pending = post({ jsonrpc: '2.0', id: 1, method: 'getSlot' }, { url: held.url });
  await waitFor(() => held.heldRequests() === 1, 'the request to be held');
  await held.stop();
  await assert.rejects(pending);
});

test('CLI: one readiness line, serves JSON-RPC with a running slot clock, exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--slot-ms', '25'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    const line = await waitFor(() => (stdout.includes('\n') ? stdout.split('\n')[0] : null),
                               `the readiness line (${stderr})`);
    const m = /^litesvm-rpc listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    assert.ok(m, line);
    const url = m[1];
    assert.equal(await result('getGenesisHash', [], url), DEVNET_GENESIS);
    const first = await result('getSlot', [{ commitment: 'processed' }], url);
    await waitFor(async () => (await result('getSlot', [{ commitment: 'processed' }], url)) > first, 'the slot clock');
  } finally {
    child.kill('SIGTERM');
  }
  assert.deepEqual(await exited, { code: 0, signal: null });
  assert.equal(stdout.split('\n').filter(Boolean).length, 1, stdout);
});
