// tests/oracle/solana.test.mjs: Hilt's Solana wire format, ATA derivation, token approval, revoke
// and close instructions and transaction inspector against @solana/web3.js v1 and
// @solana/spl-token, through hilt_oracle_cli (ops_solana.cpp).
//
//   HILT_ORACLE_CLI=build/solana/tests/hilt_oracle_cli node --test tests/oracle/solana.test.mjs
//
// Every random case comes from one seeded PRNG; set HILT_ORACLE_SEED to replay a failure (the
// seed is printed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oracleSeed, prng as basePrng, startOracle } from './harness.mjs';
import {
  ComputeBudgetProgram,
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from '@solana/web3.js';
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  createApproveCheckedInstruction,
  createApproveInstruction,
  createAssociatedTokenAccountIdempotentInstruction,
  createCloseAccountInstruction,
  createRevokeInstruction,
  createTransferCheckedInstruction,
  getAssociatedTokenAddressSync,
} from '@solana/spl-token';
import nacl from 'tweetnacl';
import bs58 from 'bs58';

const CASES = 1000;
const SEED = oracleSeed('solana');

const MEMO_PROGRAM_ID = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');
const ALLOWED_PROGRAMS = [
  SystemProgram.programId,
  TOKEN_PROGRAM_ID,
  ASSOCIATED_TOKEN_PROGRAM_ID,
  MEMO_PROGRAM_ID,
  ComputeBudgetProgram.programId,
].map((k) => k.toBase58());

// ---- seeded PRNG (mulberry32) -------------------------------------------------------------------
function prng(seed) {
  const base = basePrng(seed);
  const { int, bytes } = base;
  const u64 = () => {
    // Mix tiny, mid-sized and full-range amounts.
    const kind = int(3);
    if (kind === 0) return BigInt(int(1000));
    if (kind === 1) return BigInt(int(2 ** 31)) * 1000n + BigInt(int(1000));
    return bytes(8).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  };
  return { ...base, u64 };
}
const rng = prng(SEED);
const randomKey = () => new PublicKey(rng.bytes(32));
const MEMO_CHARS = ['a', 'Z', '0', ' ', '-', 'é', '☉', '€', '😀', '漢', 'Order', 'Id'];
const randomMemo = () =>
  Array.from({ length: 1 + rng.int(12) }, () => MEMO_CHARS[rng.int(MEMO_CHARS.length)]).join('');

const { call, callAll } = startOracle();

// ---- random payment specs, built both ways ------------------------------------------------------
// Payers come from a pool: Keypair.fromSeed costs several milliseconds in JS, and the payer is the
// least interesting input (recipients, mints, amounts and references are fresh in every case).
const PAYER_SEEDS = Array.from({ length: 32 }, () => rng.bytes(32));
const keypairs = new Map();
const payerOf = (seed) => {
  const hex = Buffer.from(seed).toString('hex');
  if (!keypairs.has(hex)) keypairs.set(hex, Keypair.fromSeed(seed));
  return keypairs.get(hex);
};

function randomSpec() {
  const spec = {
    version: rng.chance(0.5) ? 'v0' : 'legacy',
    payer_seed: PAYER_SEEDS[rng.int(PAYER_SEEDS.length)],
    blockhash: randomKey().toBase58(),
    references: Array.from({ length: rng.int(4) }, () => randomKey().toBase58()),
  };
  if (rng.chance(0.5)) spec.cu_limit = rng.int(2 ** 32);
  if (rng.chance(0.5)) spec.cu_price = rng.u64();
  if (rng.chance(0.5)) spec.memo = randomMemo();
  if (rng.chance(0.4)) {
    spec.sol = { recipient: randomKey().toBase58(), lamports: rng.u64() };
  } else {
    spec.spl = {
      mint: randomKey().toBase58(),
      recipient_owner: randomKey().toBase58(),
      amount: rng.u64(),
      decimals: rng.int(256),
      create_ata: rng.chance(0.3),
    };
  }
  return spec;
}

function request(spec) {
  const r = {
    op: 'solana_build_payment',
    version: spec.version,
    payer_seed_hex: Buffer.from(spec.payer_seed).toString('hex'),
    blockhash: spec.blockhash,
    references: spec.references,
  };
  if (spec.cu_limit !== undefined) r.cu_limit = spec.cu_limit;
  if (spec.cu_price !== undefined) r.cu_price = spec.cu_price.toString();
  if (spec.memo !== undefined) r.memo = spec.memo;
  if (spec.sol) r.sol = { recipient: spec.sol.recipient, lamports: spec.sol.lamports.toString() };
  if (spec.spl) r.spl = { ...spec.spl, amount: spec.spl.amount.toString() };
  if (spec.spl?.approve) {
    r.spl.approve = { ...spec.spl.approve, amount: spec.spl.approve.amount.toString() };
  }
  return r;
}

// The same instructions, made by web3.js and spl-token (Solana Pay createTransfer's shape).
// Memoized: key derivation and keypairs are slow in JS, and each spec is looked at several times.
const built = new WeakMap();
function web3Instructions(spec) {
  if (!built.has(spec)) built.set(spec, makeWeb3Instructions(spec));
  return built.get(spec);
}
function makeWeb3Instructions(spec) {
  const payer = payerOf(spec.payer_seed);
  const references = spec.references.map((k) =>
    ({ pubkey: new PublicKey(k), isSigner: false, isWritable: false }));
  const ixs = [];
  if (spec.cu_limit !== undefined) {
    ixs.push(ComputeBudgetProgram.setComputeUnitLimit({ units: spec.cu_limit }));
  }
  if (spec.cu_price !== undefined) {
    ixs.push(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: spec.cu_price }));
  }
  let transfer;
  const expected = { payer: payer.publicKey };
  if (spec.sol) {
    transfer = SystemProgram.transfer({
      fromPubkey: payer.publicKey,
      toPubkey: new PublicKey(spec.sol.recipient),
      lamports: spec.sol.lamports,
    });
  } else {
    const mint = new PublicKey(spec.spl.mint);
    const owner = new PublicKey(spec.spl.recipient_owner);
    const source = getAssociatedTokenAddressSync(mint, payer.publicKey, true);
    const destination = getAssociatedTokenAddressSync(mint, owner, true);
    if (spec.spl.create_ata) {
      ixs.push(createAssociatedTokenAccountIdempotentInstruction(
        payer.publicKey, destination, owner, mint));
    }
    transfer = createTransferCheckedInstruction(
      source, mint, destination, payer.publicKey, spec.spl.amount, spec.spl.decimals);
    Object.assign(expected, { source, destination, mint });
  }
  transfer.keys.push(...references);
  if (spec.memo !== undefined) {
    ixs.push(new TransactionInstruction(
      { programId: MEMO_PROGRAM_ID, keys: [], data: Buffer.from(spec.memo, 'utf8') }));
  }
  ixs.push(transfer);
  if (spec.spl?.approve) {
    ixs.push(createApproveCheckedInstruction(
      expected.source, expected.mint, new PublicKey(spec.spl.approve.delegate), payer.publicKey,
      spec.spl.approve.amount, spec.spl.decimals));
  }
  return { payer, ixs, expected };
}

function web3Versioned(spec) {
  const { payer, ixs } = web3Instructions(spec);
  const message = new TransactionMessage(
    { payerKey: payer.publicKey, recentBlockhash: spec.blockhash, instructions: ixs });
  const tx = new VersionedTransaction(
    spec.version === 'v0' ? message.compileToV0Message() : message.compileToLegacyMessage());
  tx.sign([payer]);
  return Buffer.from(tx.serialize());
}

// The older web3.js Transaction class, which orders keys inside each role group by base58 text.
function web3LegacyTransaction(spec) {
  const { payer, ixs } = web3Instructions(spec);
  const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: spec.blockhash });
  tx.add(...ixs);
  tx.sign(payer);
  return tx.serialize();
}

const show = (spec) => JSON.stringify(spec, (k, v) =>
  typeof v === 'bigint' ? v.toString()
    : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v);

// Checks our report of a transaction built from `spec` against what web3.js was asked to build.
function assertReport(report, spec, where) {
  const { expected } = web3Instructions(spec);
  const ctx = `${where}: ${show(spec)}`;
  assert.equal(report.fee_payer, expected.payer.toBase58(), ctx);
  assert.equal(report.signers.length, 1, ctx);
  assert.equal(report.signers[0].signature, 'valid', ctx);
  assert.deepEqual(report.references, spec.references, ctx);
  assert.deepEqual(report.memos, spec.memo === undefined ? [] : [spec.memo], ctx);
  assert.equal(report.compute_budget.unit_limit, spec.cu_limit ?? null, ctx);
  const price = spec.cu_price === undefined ? null : spec.cu_price.toString();
  assert.equal(report.compute_budget.unit_price, price, ctx);
  assert.equal(report.unresolved_account_count, 0, ctx);
  if (spec.sol) {
    assert.equal(report.token_transfers.length, 0, ctx);
    assert.equal(report.sol_transfers.length, 1, ctx);
    const t = report.sol_transfers[0];
    assert.equal(t.from, expected.payer.toBase58(), ctx);
    assert.equal(t.to, spec.sol.recipient, ctx);
    assert.equal(t.lamports, spec.sol.lamports.toString(), ctx);
  } else {
    assert.equal(report.sol_transfers.length, 0, ctx);
    assert.equal(report.token_transfers.length, 1, ctx);
    const t = report.token_transfers[0];
    assert.equal(t.checked, true, ctx);
    assert.equal(t.token_program, TOKEN_PROGRAM_ID.toBase58(), ctx);
    assert.equal(t.source, expected.source.toBase58(), ctx);
    assert.equal(t.mint, spec.spl.mint, ctx);
    assert.equal(t.destination, expected.destination.toBase58(), ctx);
    assert.equal(t.authority, expected.payer.toBase58(), ctx);
    assert.equal(t.amount, spec.spl.amount.toString(), ctx);
    assert.equal(t.decimals, spec.spl.decimals, ctx);
    assert.deepEqual(t.extra_accounts.map((a) => a.key), spec.references, ctx);
  }
  const programs = new Set(web3Instructions(spec).ixs.map((ix) => ix.programId.toBase58()));
  assert.deepEqual(new Set(report.programs), programs, ctx);
}

function expectation(spec) {
  const { expected } = web3Instructions(spec);
  const e = { payer: expected.payer.toBase58(), allowed_programs: ALLOWED_PROGRAMS };
  if (spec.sol) {
    e.sol_transfers = [{ destination: spec.sol.recipient, lamports: spec.sol.lamports.toString() }];
  } else {
    e.token_transfers = [{
      destination: expected.destination.toBase58(), mint: spec.spl.mint,
      amount: spec.spl.amount.toString(), decimals: spec.spl.decimals,
    }];
  }
  if (spec.references.length > 0) e.reference = spec.references[rng.int(spec.references.length)];
  if (spec.memo !== undefined) e.memo = spec.memo;
  return e;
}

// ---- tests ------------------------------------------------------------------------------------

test('ATAs equal getAssociatedTokenAddressSync (owners on and off the curve)', async () => {
  const cases = Array.from({ length: CASES }, () => {
    const owner = rng.chance(0.5) ? Keypair.fromSeed(rng.bytes(32)).publicKey : randomKey();
    const program = rng.chance(0.2) ? TOKEN_2022_PROGRAM_ID : TOKEN_PROGRAM_ID;
    return { owner, mint: randomKey(), program };
  });
  const answers = await callAll(cases.map((c) => ({
    op: 'solana_ata',
    owner: c.owner.toBase58(),
    mint: c.mint.toBase58(),
    token_program: c.program.toBase58(),
  })));
  cases.forEach((c, i) => {
    const ctx =
      `owner ${c.owner.toBase58()} mint ${c.mint.toBase58()} program ${c.program.toBase58()}`;
    const expected = getAssociatedTokenAddressSync(c.mint, c.owner, true, c.program);
    assert.equal(answers[i].address, expected.toBase58(), ctx);
    const [, bump] = PublicKey.findProgramAddressSync(
      [c.owner.toBuffer(), c.program.toBuffer(), c.mint.toBuffer()], ASSOCIATED_TOKEN_PROGRAM_ID);
    assert.equal(answers[i].bump, bump, ctx);
  });
});

test('our signed payments equal web3.js TransactionMessage + VersionedTransaction', async () => {
  const specs = Array.from({ length: CASES }, randomSpec);
  const answers = await callAll(specs.map(request));
  specs.forEach((spec, i) => {
    const ctx = show(spec);
    assert.equal(answers[i].error, undefined, `${ctx}: ${JSON.stringify(answers[i])}`);
    const ours = Buffer.from(answers[i].base64, 'base64');
    assert.equal(ours.toString('base64'), web3Versioned(spec).toString('base64'), ctx);

    // web3.js parses ours, the signature verifies, and it re-serializes to the same bytes.
    const parsed = VersionedTransaction.deserialize(ours);
    assert.equal(parsed.version, spec.version === 'v0' ? 0 : 'legacy', ctx);
    const payer = web3Instructions(spec).payer.publicKey;
    assert.ok(parsed.message.staticAccountKeys[0].equals(payer), ctx);
    assert.equal(parsed.message.recentBlockhash, spec.blockhash, ctx);
    // The bytes equal what web3.js signed itself; tweetnacl (32 ms a call) re-verifies a sample.
    if (i % 20 === 0) {
      const message = parsed.message.serialize();
      assert.ok(nacl.sign.detached.verify(message, parsed.signatures[0], payer.toBytes()), ctx);
    }
    assert.equal(Buffer.from(parsed.serialize()).toString('base64'), answers[i].base64, ctx);
    assert.equal(answers[i].signature, bs58.encode(parsed.signatures[0]), ctx);
    if (spec.version === 'legacy') {
      const legacy = Transaction.from(ours);
      assert.ok(legacy.feePayer.equals(payer), ctx);
      if (i % 10 === 0) assert.ok(legacy.verifySignatures(), ctx);
      const { ixs } = web3Instructions(spec);
      assert.equal(legacy.instructions.length, ixs.length, ctx);
      legacy.instructions.forEach((ix, k) => {
        assert.ok(ix.programId.equals(ixs[k].programId), ctx);
        const keys = (metas) => metas.map((m) => m.pubkey.toBase58());
        assert.deepEqual(keys(ix.keys), keys(ixs[k].keys), ctx);
        assert.equal(ix.data.toString('hex'), ixs[k].data.toString('hex'), ctx);
      });
      const again = legacy.serialize({ verifySignatures: false });
      assert.equal(again.toString('base64'), answers[i].base64, ctx);
    }
  });
});

test('we parse web3.js transactions, re-serialize them exactly and report them', async () => {
  const specs = Array.from({ length: CASES }, randomSpec);
  const wires = specs.map((spec) =>
    spec.version === 'legacy' && rng.chance(0.5)
      ? web3LegacyTransaction(spec)
      : web3Versioned(spec));
  const answers =
    await callAll(wires.map((wire) => ({ op: 'solana_inspect', base64: wire.toString('base64') })));
  specs.forEach((spec, i) => {
    const ctx = show(spec);
    assert.equal(answers[i].error, undefined, `${ctx}: ${JSON.stringify(answers[i])}`);
    assert.equal(answers[i].base64, wires[i].toString('base64'), ctx);
    assert.equal(answers[i].signatures_valid, true, ctx);
    assertReport(answers[i].report, spec, 'inspect');
  });
  // The payment check accepts each of them against what was asked for.
  const checks = await callAll(specs.map((spec, i) => ({
    op: 'solana_check_payment', base64: wires[i].toString('base64'), expect: expectation(spec),
  })));
  checks.forEach((answer, i) => assert.deepEqual(answer, { ok: true }, show(specs[i])));
});

test('the payment check names the first thing that differs from the expectation', async () => {
  const specs = Array.from({ length: 200 }, randomSpec).filter((s) => s.spl);
  const cases = specs.map((spec) => {
    const expect = expectation(spec);
    const mutation = rng.int(4);
    let code = 'transaction_mismatch';
    if (mutation === 0) expect.token_transfers[0].amount = (spec.spl.amount ^ 1n).toString();
    if (mutation === 1) expect.token_transfers[0].mint = randomKey().toBase58();
    if (mutation === 2) expect.payer = randomKey().toBase58();
    if (mutation === 3) expect.reference = randomKey().toBase58();
    return { spec, expect, code };
  });
  const answers = await callAll(cases.map((c) => ({
    op: 'solana_check_payment', base64: web3Versioned(c.spec).toString('base64'), expect: c.expect,
  })));
  answers.forEach((answer, i) => assert.equal(answer.error, cases[i].code, show(cases[i].spec)));
});

test('whatever we accept from mutated bytes, web3.js parses and re-serializes as is', async () => {
  const inputs = Array.from({ length: CASES }, () => {
    const wire = Buffer.from(web3Versioned(randomSpec()));
    const edits = 1 + rng.int(3);
    let bytes = [...wire];
    for (let e = 0; e < edits; e++) {
      const at = rng.int(bytes.length);
      const kind = rng.int(3);
      if (kind === 0) bytes[at] = rng.int(256);
      else if (kind === 1) bytes.splice(at, 1);
      else bytes.splice(at, 0, rng.int(256));
    }
    return Buffer.from(bytes);
  });
  const answers =
    await callAll(inputs.map((b) => ({ op: 'solana_inspect', base64: b.toString('base64') })));
  let accepted = 0;
  answers.forEach((answer, i) => {
    const ctx = inputs[i].toString('base64');
    if (answer.error) {
      const codes =
        /^(malformed_transaction|duplicate_account|unsupported_version|transaction_too_large)$/;
      assert.match(answer.error, codes, ctx);
      return;
    }
    accepted++;
    assert.equal(answer.base64, ctx);
    const theirs = VersionedTransaction.deserialize(inputs[i]);
    assert.equal(Buffer.from(theirs.serialize()).toString('base64'), ctx);
  });
  assert.ok(accepted > 0, 'no mutated transaction was accepted; the property was not exercised');
});

// ---- token approvals, revokes and closes (a subscription's delegate) ---------------------------

const tokenProgram = () => (rng.chance(0.2) ? TOKEN_2022_PROGRAM_ID : TOKEN_PROGRAM_ID);
const metas = (keys) => keys.map((m) =>
  ({ pubkey: m.pubkey.toBase58(), isSigner: m.isSigner, isWritable: m.isWritable }));

test('ApproveChecked, Revoke and CloseAccount equal @solana/spl-token', async () => {
  const cases = Array.from({ length: CASES }, () => {
    const kind = rng.pick(['approve_checked', 'revoke', 'close_account']);
    const c = {
      kind, program: tokenProgram(), source: randomKey(), mint: randomKey(),
      delegate: randomKey(), destination: randomKey(), owner: randomKey(), amount: rng.u64(),
      decimals: rng.int(256),
    };
    if (kind === 'approve_checked') {
      c.theirs = createApproveCheckedInstruction(
        c.source, c.mint, c.delegate, c.owner, c.amount, c.decimals, [], c.program);
    } else if (kind === 'revoke') {
      c.theirs = createRevokeInstruction(c.source, c.owner, [], c.program);
    } else {
      c.theirs = createCloseAccountInstruction(c.source, c.destination, c.owner, [], c.program);
    }
    return c;
  });
  const answers = await callAll(cases.map((c) => ({
    op: 'solana_token_instruction',
    kind: c.kind,
    token_program: c.program.toBase58(),
    source: c.source.toBase58(),
    account: c.source.toBase58(),
    mint: c.mint.toBase58(),
    delegate: c.delegate.toBase58(),
    destination: c.destination.toBase58(),
    owner: c.owner.toBase58(),
    amount: c.amount.toString(),
    decimals: c.decimals,
  })));
  cases.forEach((c, i) => {
    const ctx = `${c.kind} ${show({ amount: c.amount, decimals: c.decimals })}`;
    assert.equal(answers[i].error, undefined, `${ctx}: ${JSON.stringify(answers[i])}`);
    assert.equal(answers[i].program_id, c.theirs.programId.toBase58(), ctx);
    assert.deepEqual(answers[i].keys, metas(c.theirs.keys), ctx);
    assert.equal(answers[i].data_hex, c.theirs.data.toString('hex'), ctx);
  });
});

test('our approval and revoke decoders read what @solana/spl-token encodes', async () => {
  const cases = Array.from({ length: CASES }, () => {
    const kind = rng.pick(['approve', 'approve_checked', 'revoke']);
    const c = {
      kind, program: tokenProgram(), source: randomKey(), mint: randomKey(),
      delegate: randomKey(), owner: randomKey(), amount: rng.u64(), decimals: rng.int(256),
      // A multisig owner's signers follow the owner.
      signers: Array.from({ length: rng.chance(0.3) ? 1 + rng.int(3) : 0 }, randomKey),
    };
    if (kind === 'approve') {
      c.ix = createApproveInstruction(
        c.source, c.delegate, c.owner, c.amount, c.signers, c.program);
    } else if (kind === 'approve_checked') {
      c.ix = createApproveCheckedInstruction(
        c.source, c.mint, c.delegate, c.owner, c.amount, c.decimals, c.signers, c.program);
    } else {
      c.ix = createRevokeInstruction(c.source, c.owner, c.signers, c.program);
    }
    return c;
  });
  const answers = await callAll(cases.map((c) => ({
    op: 'solana_decode_token',
    program_id: c.ix.programId.toBase58(),
    keys: metas(c.ix.keys),
    data_hex: c.ix.data.toString('hex'),
  })));
  cases.forEach((c, i) => {
    const ctx = `${c.kind} ${show({ amount: c.amount, decimals: c.decimals })}`;
    const { approve, revoke } = answers[i];
    const signerKeys = c.signers.map((k) => k.toBase58());
    if (c.kind === 'revoke') {
      assert.equal(approve.error, 'invalid_value', ctx);
      assert.equal(revoke.error, undefined, `${ctx}: ${JSON.stringify(revoke)}`);
      assert.equal(revoke.token_program, c.program.toBase58(), ctx);
      assert.equal(revoke.source, c.source.toBase58(), ctx);
      assert.equal(revoke.owner, c.owner.toBase58(), ctx);
      assert.deepEqual(revoke.extra_accounts.map((a) => a.key), signerKeys, ctx);
      return;
    }
    assert.equal(revoke.error, 'invalid_value', ctx);
    assert.equal(approve.error, undefined, `${ctx}: ${JSON.stringify(approve)}`);
    const checked = c.kind === 'approve_checked';
    assert.equal(approve.checked, checked, ctx);
    assert.equal(approve.token_program, c.program.toBase58(), ctx);
    assert.equal(approve.source, c.source.toBase58(), ctx);
    assert.equal(approve.mint, checked ? c.mint.toBase58() : '', ctx);
    assert.equal(approve.delegate, c.delegate.toBase58(), ctx);
    assert.equal(approve.owner, c.owner.toBase58(), ctx);
    assert.equal(approve.amount, c.amount.toString(), ctx);
    assert.equal(approve.decimals, checked ? c.decimals : null, ctx);
    assert.deepEqual(approve.extra_accounts.map((a) => a.key), signerKeys, ctx);
  });
});

function randomSubscriptionSpec() {
  const spec = randomSpec();
  delete spec.sol;
  spec.spl ??= {
    mint: randomKey().toBase58(),
    recipient_owner: randomKey().toBase58(),
    amount: rng.u64(),
    decimals: rng.int(256),
    create_ata: rng.chance(0.3),
  };
  spec.spl.approve = { delegate: randomKey().toBase58(), amount: rng.u64() };
  return spec;
}

function approvalOf(spec) {
  const { expected } = web3Instructions(spec);
  return {
    source: expected.source.toBase58(), mint: spec.spl.mint, delegate: spec.spl.approve.delegate,
    amount: spec.spl.approve.amount.toString(), decimals: spec.spl.decimals,
  };
}

test('a checkout with an ApproveChecked equals web3.js and passes only the check expecting it',
  async () => {
    const specs = Array.from({ length: 300 }, randomSubscriptionSpec);
    const built = await callAll(specs.map(request));
    specs.forEach((spec, i) => {
      const ctx = show(spec);
      assert.equal(built[i].error, undefined, `${ctx}: ${JSON.stringify(built[i])}`);
      assert.equal(built[i].base64, web3Versioned(spec).toString('base64'), ctx);
    });
    const reports = await callAll(specs.map((spec) => ({
      op: 'solana_inspect', base64: web3Versioned(spec).toString('base64'),
    })));
    specs.forEach((spec, i) => {
      const ctx = show(spec);
      const approval = approvalOf(spec);
      const ours = reports[i].report.token_approvals;
      assert.equal(ours.length, 1, ctx);
      assert.equal(ours[0].checked, true, ctx);
      assert.equal(ours[0].source, approval.source, ctx);
      assert.equal(ours[0].mint, approval.mint, ctx);
      assert.equal(ours[0].delegate, approval.delegate, ctx);
      assert.equal(ours[0].owner, web3Instructions(spec).payer.publicKey.toBase58(), ctx);
      assert.equal(ours[0].amount, approval.amount, ctx);
      assert.equal(ours[0].decimals, approval.decimals, ctx);
      assert.ok(reports[i].report.instructions.includes('token_approve_checked'), ctx);
    });

    // Expected: accepted. Not expected, or expected with one field changed: refused.
    const cases = specs.flatMap((spec) => {
      const base = expectation(spec);
      const mutated = { ...approvalOf(spec) };
      const field = rng.pick(['source', 'mint', 'delegate', 'amount', 'decimals']);
      if (field === 'amount') mutated.amount = (spec.spl.approve.amount ^ 1n).toString();
      else if (field === 'decimals') mutated.decimals = (spec.spl.decimals + 1) % 256;
      else mutated[field] = randomKey().toBase58();
      return [
        { spec, expect: { ...base, approval: approvalOf(spec) }, want: { ok: true } },
        { spec, expect: base, want: 'instructions' },
        { spec, expect: { ...base, approval: mutated }, want: 'expected.approval' },
      ];
    });
    const checks = await callAll(cases.map((c) => ({
      op: 'solana_check_payment', base64: web3Versioned(c.spec).toString('base64'),
      expect: c.expect,
    })));
    checks.forEach((answer, i) => {
      const c = cases[i];
      const ctx = `${show(c.spec)} expect ${JSON.stringify(c.expect)}: ${JSON.stringify(answer)}`;
      if (c.want.ok) {
        assert.deepEqual(answer, c.want, ctx);
      } else {
        assert.equal(answer.error, 'transaction_mismatch', ctx);
        assert.ok(answer.field.startsWith(c.want), ctx);
      }
    });
  });
