// tests/support/litesvm_rpc.mjs: a Solana JSON-RPC node for tests, backed by LiteSVM (a real Solana runtime:
// the real System, SPL Token, Associated Token, Memo and Compute Budget programs run every transaction). It
// serves the methods hiltd's chain backend uses, with the shapes and error codes of
// docs/solana-phantom.md §5, plus fault injection and `hilt_*` admin methods for tests.
//
// Owns: the HTTP listener on 127.0.0.1, the LiteSVM instance, a slot clock, and its own transaction index.
// Must never: listen on anything but loopback, reach a real cluster or the network, or write files; it is
// test infrastructure, never shipped and never pointed at real funds.
//
// Use:
//   const rpc = await startLitesvmRpc({ slotMs: 0 }); // → { url, port, stop(), svm, advance(n), ... }
//   node tests/support/litesvm_rpc.mjs [--port N] [--slot-ms N] [--confirm-slots N] [--finalize-slots N]
//                                      [--blockhash-valid-slots N]
//   The process prints exactly one stdout line when ready, `litesvm-rpc listening on http://127.0.0.1:PORT`,
//   and exits 0 on SIGTERM/SIGINT.
// Options (defaults): port 0 (a free port), slotMs 400 (0: slots move only by advance()/hilt_advanceSlots),
//   confirmSlots 1, finalizeSlots 32, blockhashValidSlots 150, statusCacheSlots 300, startSlot (LiteSVM's),
//   usdcMint (devnet's), genesisHash (devnet's), dropWindowSlots (see dropAfterConfirmed).
// Admin JSON-RPC methods (also JS functions on the returned object): hilt_airdropSol [pubkey, lamports] →
//   signature; hilt_mintUsdc [owner, rawAmount] → {signature, tokenAccount} (creates the owner's ATA if
//   missing); hilt_advanceSlots [n] → {slot, blockHeight}; hilt_setFaults [{…}] → the fault counters (merged:
//   only the keys given change); hilt_stats → {sinceStart, sinceReset: {total, methods}, faultsServed, faults,
//   droppedSignatures, slot, transactions}; hilt_resetStats. Amounts may be JSON numbers or decimal strings.
// Faults: rateLimit N (HTTP 429 + Retry-After: 1, JSON body), forbidden N (HTTP 403, text body), timeout N
//   (never answered; stop() destroys the socket), malformed N (HTTP 200, truncated JSON), dropNextSend N,
//   dropAfterConfirmed N, dropWindowSlots, confirmDelaySlots N (a setting, not a counter), expireBlockhashes
//   (an action). Transport faults are checked in the order timeout, rateLimit, forbidden, malformed; one
//   HTTP request (a batch too) consumes one count.
//
// Choices that differ from a validator (each one is deliberate):
// * Blockhashes: LiteSVM's own check accepts only its newest blockhash, so it runs with
//   `withBlockhashCheck(false)` and the adapter validates blockhashes itself. A new blockhash is issued every
//   slot (LiteSVM's `expireBlockhash`), recorded with the slot it was issued in, and accepted while
//   block height <= issued slot + blockhashValidSlots (150), which is the `lastValidBlockHeight` returned.
//   Unknown or expired → BlockhashNotFound. Block height == slot here (no skipped slots).
// * Duplicates: LiteSVM runs with `withTransactionHistory(0)` (it would otherwise forget after 32 and accept
//   a replay); the adapter's own index (kept for every landed transaction, never trimmed) is the status
//   cache: a signature it holds → AlreadyProcessed in preflight/simulation (-32002, as a validator's
//   preflight answers). With skipPreflight a duplicate returns the same signature and is not executed again
//   (a validator forwards it and the leader drops it); likewise an expired blockhash or a bad signature with
//   skipPreflight: the signature comes back and its status stays null.
// * Commitment is a pure function of slots: the processed slot is the current slot, confirmed lags it by
//   confirmSlots (+ the confirmDelaySlots fault), finalized by max(finalizeSlots, that). A transaction's
//   status follows from its slot. Account reads (getAccountInfo, getBalance, ...) and simulation always see
//   the newest state whatever commitment is asked (preflightCommitment too): LiteSVM keeps one state, not
//   one per bank. getLatestBlockhash does honour commitment (the blockhash of that slot). maxRetries is
//   ignored: a transaction either lands at once or never.
// * getTransaction / getSignaturesForAddress refuse `processed` (-32602) and default to `finalized`, as a
//   validator does; so do getSlot/getBlockHeight/getLatestBlockhash default to finalized: pass commitment.
//   getSignatureStatuses without searchTransactionHistory only finds transactions from the last
//   statusCacheSlots (300) slots, with it finalized ones from any time.
// * getGenesisHash returns devnet's genesis hash, EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG (option
//   `genesisHash`), and the devnet USDC mint 4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU (6 decimals,
//   mint authority held by the adapter) exists from the start, so the node looks like devnet to hiltd.
// * getVersion answers {"solana-core":"3.1.8","feature-set":0}; context.apiVersion is "3.1.8".
// * rentEpoch is always 18446744073709551615 (u64::MAX, as validators report rent-exempt accounts), written
//   as an exact integer: every u64 in a response is exact (BigInt-aware JSON writer).
// * jsonParsed: account reads parse SPL Token mints and token accounts (as Agave's parse_token) and answer
//   base64 for any other account; getTransaction answers -32602 for it (use json / base64).
// * Requests must be POSTs with Content-Type: application/json (else 415, as jsonrpc-http-server) and
//   "jsonrpc":"2.0" (else -32600); bodies over 50 kB get 413.
// * Airdrops and `hilt_mintUsdc` are real signed transactions from a fresh throw-away funder account each
//   (so they share no writable account with anything else) and appear in the index like any other.
// * Faults apply to JSON-RPC POSTs only; a request made only of `hilt_*` calls is exempt so a test can
//   always administer the node. dropNextSend and dropAfterConfirmed apply to sendTransaction only.
// * dropAfterConfirmed rolls back a fork: the flagged transaction is removed from the index (status null,
//   getTransaction null, gone from getSignaturesForAddress) `dropWindowSlots` slots after it became
//   confirmed (default: halfway to finalized, i.e. 15 slots with the defaults), and its writes are undone by
//   restoring the snapshot of every writable account taken just before it executed. Any later, still
//   unfinalized transaction that touched an account written by a dropped one is dropped with it (same
//   fork), newest first. The USDC mint account is never restored (only `hilt_mintUsdc` writes it; its supply
//   may drift, balances do not). Rebroadcasting the same bytes afterwards lands them again.
import http from 'node:http';
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { LiteSVM, Account, Clock, FailedTransactionMetadata } from 'litesvm';
import web3 from '@solana/web3.js';
import * as spl from '@solana/spl-token';
import bs58 from 'bs58';

export const DEVNET_USDC_MINT = '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU';
export const DEVNET_GENESIS_HASH = 'EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG';
export const API_VERSION = '3.1.8';

const SYSTEM_PROGRAM = '11111111111111111111111111111111';
const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
const MEMO_PROGRAMS = new Set([
  'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr',
  'Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo',
]);
const ALT_PROGRAM = 'AddressLookupTab1e1111111111111111111111111';
const U64_MAX = 18446744073709551615n;
const PACKET_DATA_SIZE = 1232;
const MAX_BODY_BYTES = 50 * 1024; // a validator's MAX_REQUEST_BODY_SIZE
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// LiteSVM 1.5.0's const enums (dist/internal.d.ts), in declaration order: the numbers it returns → RPC names.
const TX_ERRORS = [
  'AccountInUse', 'AccountLoadedTwice', 'AccountNotFound', 'ProgramAccountNotFound', 'InsufficientFundsForFee',
  'InvalidAccountForFee', 'AlreadyProcessed', 'BlockhashNotFound', 'CallChainTooDeep', 'MissingSignatureForFee',
  'InvalidAccountIndex', 'SignatureFailure', 'InvalidProgramForExecution', 'SanitizeFailure', 'ClusterMaintenance',
  'AccountBorrowOutstanding', 'WouldExceedMaxBlockCostLimit', 'UnsupportedVersion', 'InvalidWritableAccount',
  'WouldExceedMaxAccountCostLimit', 'WouldExceedAccountDataBlockLimit', 'TooManyAccountLocks',
  'AddressLookupTableNotFound', 'InvalidAddressLookupTableOwner', 'InvalidAddressLookupTableData',
  'InvalidAddressLookupTableIndex', 'InvalidRentPayingAccount', 'WouldExceedMaxVoteCostLimit',
  'WouldExceedAccountDataTotalLimit', 'MaxLoadedAccountsDataSizeExceeded', 'ResanitizationNeeded',
  'InvalidLoadedAccountsDataSizeLimit', 'UnbalancedTransaction', 'ProgramCacheHitMaxLimit', 'CommitCancelled',
];
const IX_ERRORS = [
  'GenericError', 'InvalidArgument', 'InvalidInstructionData', 'InvalidAccountData', 'AccountDataTooSmall',
  'InsufficientFunds', 'IncorrectProgramId', 'MissingRequiredSignature', 'AccountAlreadyInitialized',
  'UninitializedAccount', 'UnbalancedInstruction', 'ModifiedProgramId', 'ExternalAccountLamportSpend',
  'ExternalAccountDataModified', 'ReadonlyLamportChange', 'ReadonlyDataModified', 'DuplicateAccountIndex',
  'ExecutableModified', 'RentEpochModified', 'NotEnoughAccountKeys', 'AccountDataSizeChanged',
  'AccountNotExecutable', 'AccountBorrowFailed', 'AccountBorrowOutstanding', 'DuplicateAccountOutOfSync',
  'InvalidError', 'ExecutableDataModified', 'ExecutableLamportChange', 'ExecutableAccountNotRentExempt',
  'UnsupportedProgramId', 'CallDepth', 'MissingAccount', 'ReentrancyNotAllowed', 'MaxSeedLengthExceeded',
  'InvalidSeeds', 'InvalidRealloc', 'ComputationalBudgetExceeded', 'PrivilegeEscalation',
  'ProgramEnvironmentSetupFailure', 'ProgramFailedToComplete', 'ProgramFailedToCompile', 'Immutable',
  'IncorrectAuthority', 'AccountNotRentExempt', 'InvalidAccountOwner', 'ArithmeticOverflow', 'UnsupportedSysvar',
  'IllegalOwner', 'MaxAccountsDataAllocationsExceeded', 'MaxAccountsExceeded', 'MaxInstructionTraceLengthExceeded',
  'BuiltinProgramsMustConsumeComputeUnits', 'BorshIoError',
];
// Display texts (agave's `impl Display`) for the errors a payment flow meets; others print their name.
const TX_ERROR_TEXT = {
  AccountNotFound: 'Attempt to debit an account but found no record of a prior credit.',
  InsufficientFundsForFee: 'Insufficient funds for fee',
  AlreadyProcessed: 'This transaction has already been processed',
  BlockhashNotFound: 'Blockhash not found',
  SignatureFailure: 'Transaction did not pass signature verification',
  AccountInUse: 'Account in use',
  AccountLoadedTwice: 'Account loaded twice',
};
const IX_ERROR_TEXT = {
  InsufficientFunds: 'insufficient funds for instruction',
  InvalidArgument: 'invalid program argument',
  InvalidInstructionData: 'invalid instruction data',
  InvalidAccountData: 'invalid account data for instruction',
  MissingRequiredSignature: 'missing required signature for instruction',
  AccountAlreadyInitialized: 'instruction requires an uninitialized account',
  UninitializedAccount: 'instruction requires an initialized account',
  IncorrectProgramId: 'incorrect program id for instruction',
  InvalidAccountOwner: 'Invalid account owner',
  IllegalOwner: 'Provided owner is not allowed',
};

// ---------------------------------------------------------------------------------------------------------
// JSON with exact u64s: BigInt values are written as bare integers (JSON.stringify cannot).
function toJson(value) {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  const parts = [];
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${toJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}
const invalidParams = (message) => new RpcError(-32602, message);

// Base58 of 32-byte keys and back, cached: the same few keys appear in every transaction.
const keyText = new Map();
const keyBin = new Map();
function b58key(bytes) {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
  let text = keyText.get(hex);
  if (text === undefined) {
    if (keyText.size > 100_000) keyText.clear();
    keyText.set(hex, (text = bs58.encode(bytes)));
  }
  return text;
}
function keyBytes(address) {
  let bytes = keyBin.get(address);
  if (bytes === undefined) {
    bytes = bs58.decode(address);
    if (bytes.length !== 32) throw invalidParams('Invalid param: WrongSize');
    if (keyBin.size > 100_000) keyBin.clear();
    keyBin.set(address, bytes);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------------------
// Wire format (solana-phantom.md §2): parse and sanitize a transaction without any SDK.
function parseTransaction(bytes) {
  let o = 0;
  const fail = (why) => {
    throw invalidParams(`failed to deserialize solana_transaction::versioned::VersionedTransaction: ${why}`);
  };
  const take = (n) => {
    if (o + n > bytes.length) fail('io error: unexpected end of file');
    const s = bytes.subarray(o, o + n);
    o += n;
    return s;
  };
  const shortvec = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (shift > 14) fail('invalid compact-u16');
      const b = take(1)[0];
      value |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return value;
    }
  };
  const signatures = [];
  const nsig = shortvec();
  for (let i = 0; i < nsig; i++) signatures.push(Buffer.from(take(64)));
  const messageStart = o;
  let version = 'legacy';
  if (o < bytes.length && bytes[o] & 0x80) {
    version = bytes[o] & 0x7f;
    o++;
    if (version !== 0) fail(`unsupported transaction version ${version}`);
  }
  const [numRequiredSignatures, numReadonlySignedAccounts, numReadonlyUnsignedAccounts] = take(3);
  const staticKeys = [];
  const nkeys = shortvec();
  for (let i = 0; i < nkeys; i++) staticKeys.push(b58key(take(32)));
  const recentBlockhash = bs58.encode(take(32));
  const instructions = [];
  const nix = shortvec();
  for (let i = 0; i < nix; i++) {
    const programIdIndex = take(1)[0];
    const accounts = [...take(shortvec())];
    const data = Buffer.from(take(shortvec()));
    instructions.push({ programIdIndex, accounts, data });
  }
  const lookups = [];
  if (version === 0) {
    const nl = shortvec();
    for (let i = 0; i < nl; i++) {
      const accountKey = b58key(take(32));
      const writableIndexes = [...take(shortvec())];
      const readonlyIndexes = [...take(shortvec())];
      lookups.push({ accountKey, writableIndexes, readonlyIndexes });
    }
  }
  if (o !== bytes.length) fail('trailing bytes');
  const tx = {
    id: bs58.encode(signatures[0] ?? Buffer.alloc(64)), // signature 0 in base58: the transaction's id
    signatures,
    message: Buffer.from(bytes.subarray(messageStart)),
    version,
    header: { numRequiredSignatures, numReadonlySignedAccounts, numReadonlyUnsignedAccounts },
    staticKeys,
    recentBlockhash,
    instructions,
    lookups,
  };
  // Sanitize as solana-message does; any violation is SanitizeFailure at the RPC boundary.
  const lookupCount = lookups.reduce((n, l) => n + l.writableIndexes.length + l.readonlyIndexes.length, 0);
  const total = staticKeys.length + lookupCount;
  const ok =
    signatures.length === numRequiredSignatures &&
    numReadonlySignedAccounts < numRequiredSignatures &&
    numRequiredSignatures + numReadonlyUnsignedAccounts <= staticKeys.length &&
    total <= 256 &&
    new Set(staticKeys).size === staticKeys.length &&
    instructions.every(
      (ix) => ix.programIdIndex > 0 && ix.programIdIndex < staticKeys.length && ix.accounts.every((a) => a < total),
    );
  if (!ok) throw invalidParams('invalid transaction: Transaction failed to sanitize accounts offsets correctly');
  return tx;
}

function isStaticWritable(tx, i) {
  const { numRequiredSignatures, numReadonlySignedAccounts, numReadonlyUnsignedAccounts } = tx.header;
  if (i < numRequiredSignatures) return i < numRequiredSignatures - numReadonlySignedAccounts;
  return i < tx.staticKeys.length - numReadonlyUnsignedAccounts;
}

function verifySignatures(tx) {
  return tx.signatures.every((sig, i) => {
    try {
      const key = crypto.createPublicKey({
        key: Buffer.concat([ED25519_SPKI_PREFIX, keyBytes(tx.staticKeys[i])]),
        format: 'der',
        type: 'spki',
      });
      return crypto.verify(null, tx.message, key, sig);
    } catch {
      return false;
    }
  });
}

function decodeWire(data, encoding) {
  if (typeof data !== 'string') throw invalidParams('invalid transaction: param 0 must be a string');
  let raw;
  if (encoding === 'base64') {
    if (data.length > 1644) {
      throw invalidParams(`base64 encoded solana_transaction::versioned::VersionedTransaction too large: ` +
                          `${data.length} bytes (max: encoded/raw 1644/1232)`);
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw invalidParams('invalid base64 encoding: InvalidByte');
    raw = Buffer.from(data, 'base64');
  } else if (encoding === 'base58') {
    if (data.length > 1683) {
      throw invalidParams(`base58 encoded solana_transaction::versioned::VersionedTransaction too large: ` +
                          `${data.length} bytes (max: encoded/raw 1683/1232)`);
    }
    try {
      raw = Buffer.from(bs58.decode(data));
    } catch {
      throw invalidParams('invalid base58 encoding: InvalidCharacter');
    }
  } else {
    throw invalidParams(`unsupported encoding: ${encoding}. Supported encodings: base58, base64`);
  }
  if (raw.length > PACKET_DATA_SIZE) {
    throw invalidParams(`decoded solana_transaction::versioned::VersionedTransaction too large: ` +
                        `${raw.length} bytes (max: ${PACKET_DATA_SIZE} bytes)`);
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------------------
// Errors: LiteSVM objects → the RPC's TransactionError JSON and display text.
function mapError(err) {
  if (err === null || err === undefined) return { json: null, text: '' };
  if (typeof err === 'number') {
    const name = TX_ERRORS[err] ?? `Unknown(${err})`;
    return { json: name, text: TX_ERROR_TEXT[name] ?? name };
  }
  switch (err.constructor?.name) {
    case 'TransactionErrorInstructionError': {
      const inner = err.err();
      let json;
      let text;
      if (typeof inner === 'number') {
        json = IX_ERRORS[inner] ?? `Unknown(${inner})`;
        text = IX_ERROR_TEXT[json] ?? json;
      } else if (inner.constructor?.name === 'InstructionErrorCustom') {
        json = { Custom: inner.code };
        text = `custom program error: 0x${inner.code.toString(16)}`;
      } else {
        json = { BorshIoError: String(inner.msg ?? '') };
        text = `Failed to serialize or deserialize account data: ${inner.msg ?? ''}`;
      }
      return {
        json: { InstructionError: [err.index, json] },
        text: `Error processing Instruction ${err.index}: ${text}`,
      };
    }
    case 'TransactionErrorDuplicateInstruction':
      return {
        json: { DuplicateInstruction: err.index },
        text: `Transaction contains a duplicate instruction (${err.index}) that is not allowed`,
      };
    case 'TransactionErrorInsufficientFundsForRent':
      return {
        json: { InsufficientFundsForRent: { account_index: err.accountIndex } },
        text: `Transaction results in an account (${err.accountIndex}) with insufficient funds for rent`,
      };
    case 'TransactionErrorProgramExecutionTemporarilyRestricted':
      return {
        json: { ProgramExecutionTemporarilyRestricted: { account_index: err.accountIndex } },
        text: `Execution of the program referenced by account at index ${err.accountIndex} is temporarily restricted.`,
      };
    default:
      return { json: String(err), text: String(err) };
  }
}
const namedError = (name) => ({ json: name, text: TX_ERROR_TEXT[name] ?? name });

// LiteSVM's metadata has no fee getter; its Debug text ends with `fee: N }`.
function feeOf(meta) {
  const m = /fee: (\d+) \}\)?\s*$/.exec(meta.toString());
  return m ? BigInt(m[1]) : 0n;
}

function uiAmountString(amount, decimals) {
  const s = amount.toString().padStart(decimals + 1, '0');
  const int = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}
function uiTokenAmount(amount, decimals) {
  return {
    amount: amount.toString(),
    decimals,
    uiAmount: Number(amount) / 10 ** decimals,
    uiAmountString: uiAmountString(amount, decimals),
  };
}

// A token account's {mint, owner, amount, programId}, or null (§3.8 layout; Token-2022 base layout too).
function decodeTokenAccount(account) {
  if (!account) return null;
  const programId = b58key(account.owner());
  if (programId !== TOKEN_PROGRAM && programId !== TOKEN_2022_PROGRAM) return null;
  const data = account.data();
  if (data.length < 165) return null;
  if (programId === TOKEN_PROGRAM && data.length !== 165) return null;
  if (programId === TOKEN_2022_PROGRAM && data.length > 165 && data[165] !== 2) return null;
  if (data[108] === 0) return null; // uninitialized
  return {
    mint: b58key(data.subarray(0, 32)),
    owner: b58key(data.subarray(32, 64)),
    amount: Buffer.from(data.subarray(64, 72)).readBigUInt64LE(0),
    programId,
  };
}

// jsonParsed of an SPL Token mint (82 bytes) or token account (165 bytes), as Agave's parse_token writes
// them; null for anything else (the node then answers base64, as a validator does for unparsable data).
// `decimalsOf(mint)` reads a mint's decimals for a token account's tokenAmount.
function parseTokenData(programId, data, decimalsOf) {
  const program = programId === TOKEN_PROGRAM ? 'spl-token' : programId === TOKEN_2022_PROGRAM ? 'spl-token-2022' : null;
  if (!program) return null;
  const coption = (at) => (data.readUInt32LE(at) === 1 ? b58key(data.subarray(at + 4, at + 36)) : null);
  if (data.length === 82) {
    if (data[45] === 0) return null;
    return { program, space: 82, parsed: { type: 'mint', info: {
      decimals: data[44],
      freezeAuthority: coption(46),
      isInitialized: true,
      mintAuthority: coption(0),
      supply: data.readBigUInt64LE(36).toString(),
    } } };
  }
  if (data.length === 165) {
    const state = data[108];
    if (state === 0) return null;
    const mint = b58key(data.subarray(0, 32));
    const decimals = decimalsOf(mint);
    if (decimals === null) return null;
    const info = {
      isNative: data.readUInt32LE(109) === 1,
      mint,
      owner: b58key(data.subarray(32, 64)),
      state: state === 2 ? 'frozen' : 'initialized',
      tokenAmount: uiTokenAmount(data.readBigUInt64LE(64), decimals),
    };
    const delegate = coption(72);
    if (delegate) {
      info.delegate = delegate;
      info.delegatedAmount = uiTokenAmount(data.readBigUInt64LE(121), decimals);
    }
    const closeAuthority = coption(129);
    if (closeAuthority) info.closeAuthority = closeAuthority;
    return { program, space: 165, parsed: { type: 'account', info } };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// The node: LiteSVM + slot clock + index. No HTTP here; createNode is usable on its own.
export function createNode(options = {}) {
  const opts = {
    slotMs: 400,
    confirmSlots: 1,
    finalizeSlots: 32,
    blockhashValidSlots: 150,
    statusCacheSlots: 300,
    startSlot: undefined,
    usdcMint: DEVNET_USDC_MINT,
    genesisHash: DEVNET_GENESIS_HASH,
    dropWindowSlots: undefined,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  const svm = new LiteSVM().withBlockhashCheck(false).withTransactionHistory(0n);
  const inner = svm.inner; // the napi object: raw-bytes send/simulate and Uint8Array addresses
  const initialClock = svm.getClock();
  const startSlot = BigInt(opts.startSlot ?? initialClock.slot);
  let slot = startSlot;
  let slotTime = 0n;

  const faults = {
    rateLimit: 0,
    forbidden: 0,
    timeout: 0,
    malformed: 0,
    dropNextSend: 0,
    dropAfterConfirmed: 0,
    confirmDelaySlots: 0,
    dropWindowSlots: opts.dropWindowSlots ?? null,
  };

  // Blockhashes issued, oldest first: { slot, blockhash }; blockhashSlot: blockhash → issue slot.
  const issued = [];
  const blockhashSlot = new Map();
  // Index: signature → entry; address → entries in landing order; unfinalized entries in landing order.
  const txs = new Map();
  const byAddress = new Map();
  let unfinalized = [];
  let seq = 0;

  // A fixed seed: the same authority in every run (it only ever signs on this loopback node).
  const mintAuthority = web3.Keypair.fromSeed(
    crypto.createHash('sha256').update('hilt litesvm-rpc usdc mint authority').digest());

  const getRaw = (address) => inner.getAccount(keyBytes(address));

  function setClockNow() {
    const now = BigInt(Math.floor(Date.now() / 1000));
    slotTime = now > slotTime ? now : slotTime; // never goes backwards
    svm.setClock(new Clock(slot, initialClock.epochStartTimestamp, initialClock.epoch,
                           initialClock.leaderScheduleEpoch, slotTime));
  }
  function issueBlockhash(s) {
    const blockhash = svm.latestBlockhash();
    issued.push({ slot: s, blockhash });
    blockhashSlot.set(blockhash, s);
  }

  const confirmLag = () => BigInt(opts.confirmSlots + faults.confirmDelaySlots);
  const finalizeLag = () => {
    const c = confirmLag();
    const f = BigInt(opts.finalizeSlots);
    return f > c ? f : c;
  };
  // Nothing before the start slot exists; a transaction in the start slot still has to wait for its lag.
  const clampStart = (s) => (s < startSlot - 1n ? startSlot - 1n : s);
  const confirmedSlot = () => clampStart(slot - confirmLag());
  const finalizedSlot = () => clampStart(slot - finalizeLag());

  function commitmentLevel(c) {
    if (c === undefined || c === null) return 'finalized';
    const level = typeof c === 'string' ? c : c.commitment;
    switch (level) {
      case undefined:
      case 'finalized':
      case 'max':
      case 'root':
        return 'finalized';
      case 'confirmed':
      case 'single':
      case 'singleGossip':
        return 'confirmed';
      case 'processed':
      case 'recent':
        return 'processed';
      default:
        throw invalidParams(`Invalid params: unknown commitment level \`${level}\``);
    }
  }
  function slotAt(level) {
    if (level === 'processed') return slot;
    return level === 'confirmed' ? confirmedSlot() : finalizedSlot();
  }
  function statusOf(entry) {
    if (entry.slot <= finalizedSlot()) return 'finalized';
    return entry.slot <= confirmedSlot() ? 'confirmed' : 'processed';
  }
  // The blockhash a bank at `s` would hand out: the newest issued at or before s.
  function blockhashAt(s) {
    let lo = 0;
    let hi = issued.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (issued[mid].slot <= s) lo = mid;
      else hi = mid - 1;
    }
    return issued[lo];
  }
  const lastValidOf = (issueSlot) => issueSlot + BigInt(opts.blockhashValidSlots);
  function blockhashValidAt(blockhash, atSlot) {
    const s = blockhashSlot.get(blockhash);
    return s !== undefined && s <= atSlot && atSlot <= lastValidOf(s);
  }

  // Slots: each one gets a clock (realistic unix time) and a fresh blockhash; due rollbacks and
  // finalizations happen as the slot passes.
  function advance(n = 1) {
    n = BigInt(n);
    if (n <= 0n) return slot;
    // A long jump needs blockhashes only for the slots anyone can still ask about.
    const keep = BigInt(opts.blockhashValidSlots) + finalizeLag() + 2n;
    const from = n > keep ? slot + n - keep : slot + 1n;
    for (let s = from; s <= slot + n; s++) {
      svm.expireBlockhash();
      issueBlockhash(s);
    }
    slot += n;
    setClockNow();
    // Forget blockhashes no bank can accept or return any more (keep the newest always).
    const horizon = slot - keep;
    while (issued.length > 1 && issued[0].slot < horizon) blockhashSlot.delete(issued.shift().blockhash);
    for (const entry of unfinalized) {
      if (entry.dropAt !== undefined && entry.dropAt <= slot && txs.has(entry.signature)) dropFork(entry);
    }
    const fin = finalizedSlot();
    let i = 0;
    while (i < unfinalized.length && unfinalized[i].slot <= fin) {
      unfinalized[i].snapshot = null; // finalized: can never roll back
      i++;
    }
    if (i) unfinalized = unfinalized.slice(i);
    return slot;
  }

  // ---- execution ---------------------------------------------------------------------------------------
  function loadedAddressesOf(tx) {
    const writable = [];
    const readonly = [];
    for (const l of tx.lookups) {
      const acct = getRaw(l.accountKey);
      if (!acct || b58key(acct.owner()) !== ALT_PROGRAM) return null;
      const data = acct.data();
      const addrs = [];
      for (let off = 56; off + 32 <= data.length; off += 32) addrs.push(b58key(data.subarray(off, off + 32)));
      for (const i of l.writableIndexes) {
        if (i >= addrs.length) return null;
        writable.push(addrs[i]);
      }
      for (const i of l.readonlyIndexes) {
        if (i >= addrs.length) return null;
        readonly.push(addrs[i]);
      }
    }
    return { writable, readonly };
  }
  function accountKeysOf(tx) {
    const loaded = loadedAddressesOf(tx) ?? { writable: [], readonly: [] };
    const keys = [...tx.staticKeys, ...loaded.writable, ...loaded.readonly];
    const nStatic = tx.staticKeys.length;
    const writable = keys.map((_, i) => (i < nStatic ? isStaticWritable(tx, i) : i < nStatic + loaded.writable.length));
    return { keys, writable, loaded };
  }
  function tokenBalances(keys, accountAt) {
    const out = [];
    keys.forEach((key, accountIndex) => {
      const t = decodeTokenAccount(accountAt(key, accountIndex));
      if (!t) return;
      const mint = accountAt(t.mint, -1);
      if (!mint || mint.data().length < 82) return;
      const decimals = mint.data()[44];
      out.push({
        accountIndex,
        mint: t.mint,
        owner: t.owner,
        programId: t.programId,
        uiTokenAmount: uiTokenAmount(t.amount, decimals),
      });
    });
    return out;
  }
  function innerInstructionsOf(meta) {
    const out = [];
    meta.innerInstructions().forEach((list, index) => {
      if (!list.length) return;
      out.push({
        index,
        instructions: list.map((ii) => {
          const ci = ii.instruction();
          return {
            programIdIndex: ci.programIdIndex(),
            accounts: [...ci.accounts()],
            data: bs58.encode(ci.data()),
            stackHeight: ii.stackHeight(),
          };
        }),
      });
    });
    return out;
  }
  function returnDataOf(meta) {
    const rd = meta.returnData();
    const data = rd.data();
    if (!data.length) return null;
    return { programId: bs58.encode(rd.programId()), data: [Buffer.from(data).toString('base64'), 'base64'] };
  }
  function memoOf(tx) {
    const memos = [];
    for (const ix of tx.instructions) {
      if (!MEMO_PROGRAMS.has(tx.staticKeys[ix.programIdIndex])) continue;
      let text;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(ix.data);
      } catch {
        text = '(unparseable)';
      }
      memos.push(`[${ix.data.length}] ${text}`);
    }
    return memos.length ? memos.join('; ') : null;
  }
  const loadedDataSize = (keys, accountAt) =>
    keys.reduce((n, k, i) => {
      const a = accountAt(k, i);
      return n + (a ? a.data().length + 64 : 0);
    }, 0);

  // Load-level checks a bank makes before executing: age first, then the status cache.
  function loadCheck(tx, { skipBlockhash = false } = {}) {
    if (!skipBlockhash && !blockhashValidAt(tx.recentBlockhash, slot)) return 'BlockhashNotFound';
    if (txs.has(tx.id)) return 'AlreadyProcessed';
    return null;
  }

  // simulateTransaction's value (agave RpcSimulateTransactionResult, plus fee and balances).
  // `preflight`: only what sendTransaction's error data carries (no balances), to keep sends cheap.
  function simulate(tx, raw, options = {}) {
    const { replaceRecentBlockhash = false, innerInstructions = false, accounts, preflight = false } = options;
    const { keys, loaded } = accountKeysOf(tx);
    const pre = new Map(keys.map((k) => [k, getRaw(k)]));
    const preAt = (k) => (pre.has(k) ? pre.get(k) : getRaw(k));
    const base = {
      err: null,
      logs: [],
      accounts: null,
      unitsConsumed: 0,
      loadedAccountsDataSize: 0,
      returnData: null,
      innerInstructions: null,
      replacementBlockhash: null,
    };
    if (replaceRecentBlockhash) {
      const latest = issued[issued.length - 1];
      base.replacementBlockhash = { blockhash: latest.blockhash, lastValidBlockHeight: lastValidOf(latest.slot) };
    }
    const early = loadCheck(tx, { skipBlockhash: replaceRecentBlockhash });
    if (early) return { value: { ...base, err: early }, error: namedError(early) };

    const wasSigverify = inner.getSigverify();
    inner.setSigverify(false); // sigVerify is the caller's choice, checked before we get here
    let result;
    try {
      result = tx.version === 'legacy' ? inner.simulateLegacyTransaction(raw) : inner.simulateVersionedTransaction(raw);
    } finally {
      inner.setSigverify(wasSigverify);
    }
    const failed = result instanceof FailedTransactionMetadata;
    const meta = result.meta();
    const error = failed ? mapError(result.err()) : null;
    const value = {
      ...base,
      err: error ? error.json : null,
      logs: meta.logs(),
      unitsConsumed: meta.computeUnitsConsumed(),
      loadedAccountsDataSize: loadedDataSize(keys, preAt),
      returnData: returnDataOf(meta),
      innerInstructions: innerInstructions ? innerInstructionsOf(meta) : null,
    };
    if (preflight) return { value, error };
    const post = new Map();
    if (!failed) for (const a of result.postAccounts()) post.set(b58key(a.address), a.account());
    const postAt = (k) => (post.has(k) ? post.get(k) : preAt(k));
    Object.assign(value, {
      fee: feeOf(meta),
      preBalances: keys.map((k) => preAt(k)?.lamports() ?? 0n),
      postBalances: keys.map((k) => postAt(k)?.lamports() ?? 0n),
      preTokenBalances: tokenBalances(keys, preAt),
      postTokenBalances: tokenBalances(keys, postAt),
      loadedAddresses: loaded,
    });
    if (accounts) {
      value.accounts = accounts.addresses.map((address) => {
        if (failed) return null;
        return encodeAccount(postAt(address), accounts.encoding ?? 'base64');
      });
    }
    return { value, error };
  }

  // Executes for real. Returns the index entry, or null when the transaction did not land (a load-level
  // failure charges no fee and leaves no status, as on a validator).
  function execute(tx, raw) {
    const { keys, writable, loaded } = accountKeysOf(tx);
    const pre = keys.map((k) => getRaw(k));
    const snapshot = new Map();
    keys.forEach((k, i) => {
      if (writable[i] && k !== opts.usdcMint) snapshot.set(k, pre[i]);
    });
    const result = tx.version === 'legacy' ? inner.sendLegacyTransaction(raw) : inner.sendVersionedTransaction(raw);
    const failed = result instanceof FailedTransactionMetadata;
    const meta = failed ? result.meta() : result;
    const rawErr = failed ? result.err() : null;
    const post = keys.map((k) => getRaw(k));
    const feePayerPaid = (pre[0]?.lamports() ?? 0n) !== (post[0]?.lamports() ?? 0n);
    if (failed && typeof rawErr === 'number' && !feePayerPaid) return null;
    const preMap = new Map(keys.map((k, i) => [k, pre[i]]));
    const postMap = new Map(keys.map((k, i) => [k, post[i]]));
    const entry = {
      signature: tx.id,
      raw: Buffer.from(raw),
      tx,
      keys,
      slot,
      blockTime: slotTime,
      seq: seq++,
      err: failed ? mapError(rawErr).json : null,
      fee: feeOf(meta),
      preBalances: pre.map((a) => a?.lamports() ?? 0n),
      postBalances: post.map((a) => a?.lamports() ?? 0n),
      preTokenBalances: tokenBalances(keys, (k, i) => (i >= 0 ? pre[i] : preMap.get(k) ?? getRaw(k))),
      postTokenBalances: tokenBalances(keys, (k, i) => (i >= 0 ? post[i] : postMap.get(k) ?? getRaw(k))),
      logMessages: meta.logs(),
      innerInstructions: innerInstructionsOf(meta),
      returnData: returnDataOf(meta),
      computeUnitsConsumed: meta.computeUnitsConsumed(),
      loadedAddresses: loaded,
      memo: memoOf(tx),
      writes: keys.filter((k, i) => writable[i] && k !== opts.usdcMint),
      snapshot,
      dropAt: undefined,
    };
    txs.set(entry.signature, entry);
    for (const k of new Set(keys)) {
      let list = byAddress.get(k);
      if (!list) byAddress.set(k, (list = []));
      list.push(entry);
    }
    unfinalized.push(entry);
    return entry;
  }

  // dropAfterConfirmed: abandon the fork holding `first` (see the header for the exact rule).
  function dropFork(first) {
    const dropped = [first];
    const written = new Set(first.writes);
    for (const e of unfinalized) {
      if (e.seq <= first.seq || !txs.has(e.signature)) continue;
      if (e.keys.some((k) => written.has(k))) {
        dropped.push(e);
        for (const k of e.writes) written.add(k);
      }
    }
    for (const e of dropped.reverse()) {
      for (const [k, acct] of e.snapshot) {
        inner.setAccount(keyBytes(k), acct ?? new Account(0n, new Uint8Array(0), keyBytes(SYSTEM_PROGRAM), false, 0n));
      }
      txs.delete(e.signature);
      for (const k of new Set(e.keys)) {
        const list = byAddress.get(k);
        const i = list ? list.indexOf(e) : -1;
        if (i >= 0) list.splice(i, 1);
      }
      stats.droppedSignatures.push(e.signature);
    }
    const gone = new Set(dropped);
    unfinalized = unfinalized.filter((e) => !gone.has(e));
  }

  function dropWindow() {
    if (faults.dropWindowSlots !== null && faults.dropWindowSlots !== undefined) return BigInt(faults.dropWindowSlots);
    const w = (finalizeLag() - confirmLag()) / 2n;
    return w < 1n ? 1n : w;
  }

  // ---- accounts ----------------------------------------------------------------------------------------
  function encodeAccount(acct, encoding = 'base64', dataSlice) {
    if (!acct || acct.lamports() === 0n) return null;
    let data = Buffer.from(acct.data());
    if (dataSlice) data = data.subarray(dataSlice.offset ?? 0, (dataSlice.offset ?? 0) + (dataSlice.length ?? 0));
    let encoded;
    switch (encoding) {
      case 'base64':
        encoded = [data.toString('base64'), 'base64'];
        break;
      case 'base58':
        encoded = [bs58.encode(data), 'base58'];
        break;
      case 'binary':
        if (data.length > 128) {
          throw invalidParams('Encoded binary (base 58) data should be less than 128 bytes, ' +
                              'please use Base64 encoding.');
        }
        encoded = bs58.encode(data);
        break;
      case 'jsonParsed':
        encoded = (!dataSlice && parseTokenData(b58key(acct.owner()), data, (mint) => {
          const m = getRaw(mint);
          return m && m.data().length === 82 ? m.data()[44] : null;
        })) || [data.toString('base64'), 'base64'];
        break;
      default:
        throw invalidParams(`unsupported encoding: ${encoding}`);
    }
    return {
      data: encoded,
      executable: acct.executable(),
      lamports: acct.lamports(),
      owner: b58key(acct.owner()),
      rentEpoch: U64_MAX,
      space: acct.data().length,
    };
  }

  // ---- admin: funded, signed transactions --------------------------------------------------------------
  // A throw-away funder per call (setAccount), so admin transactions share no writable account.
  function adminLand(instructionsFor, extraSigners, fundLamports) {
    const funder = web3.Keypair.generate();
    const signers = [funder, ...extraSigners];
    const fee = 5000n * BigInt(signers.length);
    inner.setAccount(funder.publicKey.toBytes(),
                     new Account(fundLamports + fee, new Uint8Array(0), keyBytes(SYSTEM_PROGRAM), false, 0n));
    const recentBlockhash = issued[issued.length - 1].blockhash;
    const tx = new web3.Transaction({ feePayer: funder.publicKey, recentBlockhash });
    tx.add(...instructionsFor(funder.publicKey));
    tx.sign(...signers);
    const raw = tx.serialize();
    const parsed = parseTransaction(raw);
    const entry = execute(parsed, raw);
    if (!entry || entry.err) {
      throw new RpcError(-32603, `admin transaction failed: ${toJson(entry?.err ?? 'not landed')}`,
                         { logs: entry?.logMessages });
    }
    return entry;
  }
  function airdropSol(address, lamports) {
    const to = new web3.PublicKey(address);
    lamports = BigInt(lamports);
    if (lamports <= 0n) throw invalidParams('Invalid params: lamports must be positive');
    const transfer = (from) => [web3.SystemProgram.transfer({ fromPubkey: from, toPubkey: to, lamports })];
    return adminLand(transfer, [], lamports).signature;
  }
  function mintUsdc(owner, amount) {
    const ownerKey = new web3.PublicKey(owner);
    const mint = new web3.PublicKey(opts.usdcMint);
    amount = BigInt(amount);
    const ata = spl.getAssociatedTokenAddressSync(mint, ownerKey, true);
    const exists = getRaw(ata.toBase58()) !== null;
    const rent = exists ? 0n : inner.minimumBalanceForRentExemption(165n);
    const entry = adminLand(
      (payer) => [
        spl.createAssociatedTokenAccountIdempotentInstruction(payer, ata, ownerKey, mint),
        spl.createMintToCheckedInstruction(mint, ata, mintAuthority.publicKey, amount, 6),
      ],
      [mintAuthority],
      rent,
    );
    return { signature: entry.signature, tokenAccount: ata.toBase58() };
  }

  // ---- stats -------------------------------------------------------------------------------------------
  const emptyCounts = () => ({ total: 0, methods: {} });
  const stats = {
    sinceStart: emptyCounts(),
    sinceReset: emptyCounts(),
    faultsServed: { rateLimit: 0, forbidden: 0, timeout: 0, malformed: 0, dropNextSend: 0, dropAfterConfirmed: 0 },
    droppedSignatures: [],
  };
  function countCall(method) {
    const name = typeof method === 'string' ? method : '(invalid)';
    for (const c of [stats.sinceStart, stats.sinceReset]) {
      c.total++;
      c.methods[name] = (c.methods[name] ?? 0) + 1;
    }
  }
  function statsSnapshot() {
    return {
      sinceStart: structuredClone(stats.sinceStart),
      sinceReset: structuredClone(stats.sinceReset),
      faultsServed: { ...stats.faultsServed },
      faults: { ...faults },
      droppedSignatures: [...stats.droppedSignatures],
      slot,
      transactions: txs.size,
    };
  }
  function resetStats() {
    stats.sinceReset = emptyCounts();
  }
  function setFaults(update = {}) {
    for (const [k, v] of Object.entries(update)) {
      if (k === 'expireBlockhashes') {
        if (v) advance(BigInt(opts.blockhashValidSlots) + 1n); // one jump past every issued blockhash
      } else if (k in faults) {
        faults[k] = k === 'dropWindowSlots' ? v : Number(v) || 0;
      } else {
        throw invalidParams(`unknown fault: ${k}`);
      }
    }
    return { ...faults };
  }

  // ---- JSON-RPC methods --------------------------------------------------------------------------------
  const context = (s) => ({ slot: s, apiVersion: API_VERSION });
  const withContext = (s, value) => ({ context: context(s), value });
  function checkMinContext(cfg, s) {
    if (cfg?.minContextSlot !== undefined && s < BigInt(cfg.minContextSlot)) {
      throw new RpcError(-32016, 'Minimum context slot has not been reached', { contextSlot: s });
    }
  }
  function bankSlot(cfg) {
    const s = slotAt(commitmentLevel(cfg));
    checkMinContext(cfg, s);
    return s;
  }
  function atLeastConfirmed(cfg) {
    const level = commitmentLevel(cfg);
    if (level === 'processed') throw invalidParams('Method does not support commitment below `confirmed`');
    return level;
  }
  function pubkeyParam(v) {
    if (typeof v !== 'string') throw invalidParams('Invalid param: not a string');
    let bytes;
    try {
      bytes = bs58.decode(v);
    } catch {
      throw invalidParams('Invalid param: Invalid');
    }
    if (bytes.length !== 32) throw invalidParams('Invalid param: WrongSize');
    return v;
  }
  function signatureParam(v) {
    let bytes;
    try {
      bytes = typeof v === 'string' ? bs58.decode(v) : null;
    } catch {
      bytes = null;
    }
    if (!bytes || bytes.length !== 64) throw invalidParams('Invalid param: Invalid');
    return v;
  }
  const statusJson = (err) => (err === null ? { Ok: null } : { Err: err });

  function encodeTransaction(e, encoding) {
    const t = e.tx;
    if (encoding === 'base64') return [e.raw.toString('base64'), 'base64'];
    if (encoding === 'base58') return [bs58.encode(e.raw), 'base58'];
    const message = {
      accountKeys: t.staticKeys,
      header: t.header,
      recentBlockhash: t.recentBlockhash,
      instructions: t.instructions.map((ix) => ({
        programIdIndex: ix.programIdIndex,
        accounts: ix.accounts,
        data: bs58.encode(ix.data),
        stackHeight: null,
      })),
    };
    if (t.version !== 'legacy') message.addressTableLookups = t.lookups;
    return { signatures: t.signatures.map((s) => bs58.encode(s)), message };
  }

  function latestBlockhashValue(cfg) {
    const s = bankSlot(cfg);
    const b = blockhashAt(s);
    return withContext(s, { blockhash: b.blockhash, lastValidBlockHeight: lastValidOf(b.slot) });
  }

  function sendTransaction(params) {
    const [data, cfg = {}] = params;
    const raw = decodeWire(data, cfg.encoding ?? 'base58');
    const tx = parseTransaction(raw);
    checkMinContext(cfg, slot);
    const signature = tx.id;
    const signed = verifySignatures(tx);
    if (!cfg.skipPreflight) {
      if (!signed) throw new RpcError(-32003, 'Transaction signature verification failure');
      const sim = simulate(tx, raw, { preflight: true });
      if (sim.error) {
        // data: agave's RpcSimulateTransactionResult as sendTransaction fills it (no balances).
        const { err, logs, accounts, unitsConsumed, loadedAccountsDataSize, returnData, innerInstructions,
                replacementBlockhash } = sim.value;
        throw new RpcError(-32002, `Transaction simulation failed: ${sim.error.text}`, {
          err, logs, accounts, unitsConsumed, loadedAccountsDataSize, returnData, innerInstructions,
          replacementBlockhash,
        });
      }
    }
    // Accepted by the node. From here on the leader may drop it silently, as on a real cluster.
    if (faults.dropNextSend > 0) {
      faults.dropNextSend--;
      stats.faultsServed.dropNextSend++;
      return signature;
    }
    if (!signed || loadCheck(tx)) return signature;
    const entry = execute(tx, raw);
    if (entry && faults.dropAfterConfirmed > 0) {
      faults.dropAfterConfirmed--;
      stats.faultsServed.dropAfterConfirmed++;
      entry.dropAt = entry.slot + confirmLag() + dropWindow();
    }
    return signature;
  }

  const methods = {
    getHealth: () => 'ok',
    getVersion: () => ({ 'solana-core': API_VERSION, 'feature-set': 0 }),
    getGenesisHash: () => opts.genesisHash,
    getSlot: ([cfg] = []) => bankSlot(cfg),
    getBlockHeight: ([cfg] = []) => bankSlot(cfg),
    getEpochInfo: ([cfg] = []) => {
      const s = bankSlot(cfg);
      return {
        absoluteSlot: s, blockHeight: s, epoch: initialClock.epoch, slotIndex: 0n, slotsInEpoch: 432000n,
        transactionCount: BigInt(seq),
      };
    },
    getLatestBlockhash: ([cfg] = []) => latestBlockhashValue(cfg),
    isBlockhashValid: ([blockhash, cfg] = []) => {
      if (typeof blockhash !== 'string') throw invalidParams('Invalid params: blockhash must be a string');
      const s = bankSlot(cfg);
      return withContext(s, blockhashValidAt(blockhash, s));
    },
    getMinimumBalanceForRentExemption: ([len] = []) => {
      if (!Number.isInteger(len) || len < 0) {
        throw invalidParams('Invalid params: data length must be a non-negative integer');
      }
      return inner.minimumBalanceForRentExemption(BigInt(len));
    },
    getBalance: ([address, cfg] = []) => {
      pubkeyParam(address);
      return withContext(bankSlot(cfg), getRaw(address)?.lamports() ?? 0n);
    },
    getAccountInfo: ([address, cfg = {}] = []) => {
      pubkeyParam(address);
      const s = bankSlot(cfg);
      return withContext(s, encodeAccount(getRaw(address), cfg.encoding ?? 'binary', cfg.dataSlice));
    },
    getMultipleAccounts: ([addresses, cfg = {}] = []) => {
      if (!Array.isArray(addresses) || addresses.length > 100) {
        throw invalidParams('Invalid params: up to 100 addresses');
      }
      const s = bankSlot(cfg);
      const encoding = cfg.encoding ?? 'base64';
      return withContext(s, addresses.map((a) => encodeAccount(getRaw(pubkeyParam(a)), encoding, cfg.dataSlice)));
    },
    getTokenAccountBalance: ([address, cfg] = []) => {
      pubkeyParam(address);
      const s = bankSlot(cfg);
      const acct = getRaw(address);
      if (!acct) throw invalidParams('Invalid param: could not find account');
      const t = decodeTokenAccount(acct);
      if (!t) throw invalidParams('Invalid param: not a Token account');
      const mint = getRaw(t.mint);
      if (!mint) throw invalidParams('Invalid param: could not find mint');
      return withContext(s, uiTokenAmount(t.amount, mint.data()[44]));
    },
    requestAirdrop: ([address, lamports] = []) => {
      pubkeyParam(address);
      if (lamports === undefined) throw invalidParams('Invalid params: lamports required');
      return airdropSol(address, lamports);
    },
    simulateTransaction: ([data, cfg = {}] = []) => {
      const raw = decodeWire(data, cfg.encoding ?? 'base58');
      const tx = parseTransaction(raw);
      const s = bankSlot(cfg);
      if (cfg.replaceRecentBlockhash && cfg.sigVerify) {
        throw invalidParams('sigVerify may not be used with replaceRecentBlockhash');
      }
      if (cfg.sigVerify && !verifySignatures(tx)) {
        throw new RpcError(-32003, 'Transaction signature verification failure');
      }
      if (cfg.accounts) {
        const enc = cfg.accounts.encoding ?? 'base64';
        if (enc === 'binary' || enc === 'base58') throw invalidParams('base58 encoding not supported');
        (cfg.accounts.addresses ?? []).forEach(pubkeyParam);
      }
      const sim = simulate(tx, raw, {
        replaceRecentBlockhash: !!cfg.replaceRecentBlockhash,
        innerInstructions: !!cfg.innerInstructions,
        accounts: cfg.accounts && { addresses: cfg.accounts.addresses ?? [], encoding: cfg.accounts.encoding },
      });
      return withContext(s, sim.value);
    },
    sendTransaction: (params = []) => sendTransaction(params),
    getSignatureStatuses: ([sigs, cfg = {}] = []) => {
      if (!Array.isArray(sigs)) throw invalidParams('Invalid params: expected an array of signatures');
      if (sigs.length > 256) throw invalidParams('Too many inputs provided; max 256');
      sigs.forEach(signatureParam);
      const cacheFloor = slot - BigInt(opts.statusCacheSlots);
      const value = sigs.map((sig) => {
        const e = txs.get(sig);
        if (!e) return null;
        const status = statusOf(e);
        const inCache = e.slot >= cacheFloor;
        if (!inCache && !(cfg.searchTransactionHistory && status === 'finalized')) return null;
        return {
          slot: e.slot,
          confirmations: status === 'finalized' ? null : Number(slot - e.slot),
          err: e.err,
          status: statusJson(e.err),
          confirmationStatus: status,
        };
      });
      return withContext(slot, value);
    },
    getTransaction: ([sig, cfg = {}] = []) => {
      signatureParam(sig);
      if (typeof cfg === 'string') cfg = { encoding: cfg }; // the deprecated positional encoding
      const level = atLeastConfirmed(cfg);
      const encoding = cfg.encoding ?? 'json';
      if (encoding === 'jsonParsed') {
        throw invalidParams('litesvm-rpc does not implement jsonParsed; use json or base64');
      }
      if (!['json', 'base64', 'base58'].includes(encoding)) throw invalidParams(`unsupported encoding: ${encoding}`);
      const e = txs.get(sig);
      if (!e || e.slot > slotAt(level)) return null;
      const max = cfg.maxSupportedTransactionVersion;
      if (e.tx.version !== 'legacy' && (max === undefined || max === null || e.tx.version > max)) {
        throw new RpcError(
          -32015,
          `Transaction version (${e.tx.version}) is not supported by the requesting client. Please try the ` +
            `request again with the following configuration parameter: "maxSupportedTransactionVersion": ` +
            `${e.tx.version}`,
        );
      }
      const meta = {
        err: e.err,
        status: statusJson(e.err),
        fee: e.fee,
        preBalances: e.preBalances,
        postBalances: e.postBalances,
        innerInstructions: e.innerInstructions,
        logMessages: e.logMessages,
        preTokenBalances: e.preTokenBalances,
        postTokenBalances: e.postTokenBalances,
        rewards: [],
        loadedAddresses: e.loadedAddresses,
        computeUnitsConsumed: e.computeUnitsConsumed,
        returnData: e.returnData ?? undefined,
      };
      const out = { slot: e.slot, blockTime: e.blockTime, meta, transaction: encodeTransaction(e, encoding) };
      // Without maxSupportedTransactionVersion a validator omits `version` altogether.
      if (max !== undefined && max !== null) out.version = e.tx.version;
      return out;
    },
    getSignaturesForAddress: ([address, cfg = {}] = []) => {
      pubkeyParam(address);
      const level = atLeastConfirmed(cfg);
      const limit = cfg.limit ?? 1000;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidParams('Invalid limit; max 1000');
      if (cfg.before !== undefined && cfg.before !== null) signatureParam(cfg.before);
      if (cfg.until !== undefined && cfg.until !== null) signatureParam(cfg.until);
      const highest = slotAt(level);
      checkMinContext(cfg, highest);
      const list = byAddress.get(address) ?? [];
      let i = list.length - 1;
      if (cfg.before) {
        const b = txs.get(cfg.before);
        if (!b) return []; // a validator answers an unknown `before` with nothing
        i = list.indexOf(b) - 1;
        if (i < -1) return [];
      }
      const until = cfg.until ? txs.get(cfg.until) : undefined;
      const fin = finalizedSlot();
      const out = [];
      for (; i >= 0 && out.length < limit; i--) {
        const e = list[i];
        if (until && e === until) break;
        if (e.slot > highest) continue;
        out.push({
          signature: e.signature,
          slot: e.slot,
          err: e.err,
          memo: e.memo,
          blockTime: e.blockTime,
          confirmationStatus: e.slot <= fin ? 'finalized' : 'confirmed',
        });
      }
      return out;
    },

    // ---- admin (non-standard) ----
    hilt_airdropSol: ([address, lamports] = []) => airdropSol(pubkeyParam(address), lamports),
    hilt_mintUsdc: ([owner, amount] = []) => mintUsdc(pubkeyParam(owner), amount),
    hilt_advanceSlots: ([n = 1] = []) => {
      advance(n);
      return { slot, blockHeight: slot };
    },
    hilt_setFaults: ([update] = []) => setFaults(update),
    hilt_stats: () => statsSnapshot(),
    hilt_resetStats: () => {
      resetStats();
      return statsSnapshot();
    },
  };

  function call(method, params) {
    if (typeof method !== 'string' || !Object.hasOwn(methods, method)) throw new RpcError(-32601, 'Method not found');
    if (params !== undefined && params !== null && !Array.isArray(params)) {
      throw invalidParams('Invalid params: params must be an array');
    }
    return methods[method](params ?? []);
  }

  // Startup: a realistic clock, the first blockhash, the USDC mint.
  setClockNow(); // setClock carries the slot too (warpToSlot is a wrapper around it)
  issueBlockhash(slot);
  {
    const data = Buffer.alloc(82);
    data.writeUInt32LE(1, 0);
    mintAuthority.publicKey.toBuffer().copy(data, 4);
    data.writeBigUInt64LE(0n, 36);
    data[44] = 6;
    data[45] = 1;
    const rent = inner.minimumBalanceForRentExemption(82n);
    inner.setAccount(keyBytes(opts.usdcMint), new Account(rent, data, keyBytes(TOKEN_PROGRAM), false, 0n));
  }

  return {
    svm,
    options: opts,
    mintAuthority,
    usdcMint: opts.usdcMint,
    call,
    countCall,
    advance,
    faults,
    stats: statsSnapshot,
    resetStats,
    setFaults,
    airdropSol,
    mintUsdc,
    slot: () => slot,
    latestBlockhash: (commitment = 'processed') => latestBlockhashValue({ commitment }).value,
    transactionCount: () => txs.size,
    hasTransaction: (sig) => txs.has(sig),
    statusOf: (sig) => (txs.has(sig) ? statusOf(txs.get(sig)) : null),
    served: stats.faultsServed,
  };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP: JSON-RPC 2.0 over POST (any path), GET /health → "ok", and the transport-level faults.
export async function startLitesvmRpc(options = {}) {
  const node = createNode(options);
  const { faults } = node;
  const held = new Set(); // responses held open by the `timeout` fault

  function answer(call) {
    const id = call && typeof call === 'object' && 'id' in call ? call.id : null;
    const wellFormed = call && typeof call === 'object' && !Array.isArray(call) && call.jsonrpc === '2.0' &&
                       typeof call.method === 'string';
    if (!wellFormed) {
      return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request' }, id };
    }
    try {
      return { jsonrpc: '2.0', result: node.call(call.method, call.params), id };
    } catch (e) {
      if (e instanceof RpcError) {
        const error = { code: e.code, message: e.message };
        if (e.data !== undefined) error.data = e.data;
        return { jsonrpc: '2.0', error, id };
      }
      // Malformed params that slipped past the checks (a wrong type inside a config object, a bad key).
      if (e?.name === 'SolanaError' || e instanceof TypeError || /public key|base58/i.test(String(e?.message))) {
        return { jsonrpc: '2.0', error: { code: -32602, message: `Invalid params: ${e.message}` }, id };
      }
      return { jsonrpc: '2.0', error: { code: -32603, message: `Internal error: ${e?.message ?? e}` }, id };
    }
  }

  function send(res, status, body, headers = {}) {
    res.writeHead(status, {
      'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers,
    });
    res.end(body);
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/health' || req.url?.startsWith('/health?'))) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'POST' });
      res.end('Used HTTP Method is not allowed. POST or OPTIONS is required');
      return;
    }
    // As a validator's jsonrpc-http-server: a body that is not declared JSON is refused before parsing.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      res.writeHead(415, { 'content-type': 'text/plain' });
      res.end('Supplied content type is not allowed. Content-Type: application/json is required');
      req.resume();
      return;
    }
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) {
        res.writeHead(413, { 'content-type': 'text/plain' });
        res.end('Payload Too Large');
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let parsed;
      let parseOk = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        parseOk = false;
      }
      const calls = parseOk ? (Array.isArray(parsed) ? parsed : [parsed]) : [];
      for (const c of calls) node.countCall(c?.method);
      if (!parseOk) node.countCall('(parse error)');
      const adminOnly = calls.length > 0 &&
                        calls.every((c) => typeof c?.method === 'string' && c.method.startsWith('hilt_'));
      const firstId = calls.length === 1 && calls[0] && typeof calls[0] === 'object' ? calls[0].id ?? null : null;

      if (!adminOnly) {
        if (faults.timeout > 0) {
          faults.timeout--;
          node.served.timeout++;
          held.add(res);
          res.on('close', () => held.delete(res));
          return; // never answered; stop() destroys it
        }
        if (faults.rateLimit > 0) {
          faults.rateLimit--;
          node.served.rateLimit++;
          const error = { code: 429, message: 'Too many requests for a specific RPC call' };
          send(res, 429, toJson({ jsonrpc: '2.0', error, id: firstId }), { 'retry-after': '1' });
          return;
        }
        if (faults.forbidden > 0) {
          faults.forbidden--;
          node.served.forbidden++;
          res.writeHead(403, { 'content-type': 'text/plain' });
          res.end('403 Forbidden');
          return;
        }
        if (faults.malformed > 0) {
          faults.malformed--;
          node.served.malformed++;
          send(res, 200, '{"jsonrpc":"2.0","result":{"context":{"slot":'); // truncated mid-object
          return;
        }
      }

      if (!parseOk) {
        send(res, 200, toJson({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null }));
        return;
      }
      if (Array.isArray(parsed)) {
        if (parsed.length === 0) {
          send(res, 200, toJson({ jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request' }, id: null }));
          return;
        }
        send(res, 200, toJson(parsed.map(answer)));
        return;
      }
      send(res, 200, toJson(answer(parsed)));
    });
  });
  server.keepAliveTimeout = 5000;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}`;

  const slotMs = options.slotMs ?? 400;
  const timer = slotMs > 0 ? setInterval(() => node.advance(1), slotMs) : null;
  timer?.unref();

  let stopped = null;
  const stop = () => {
    if (!stopped) {
      if (timer) clearInterval(timer);
      for (const res of held) res.socket?.destroy();
      held.clear();
      stopped = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    }
    return stopped;
  };

  return {
    url,
    port,
    stop,
    svm: node.svm,
    node,
    usdcMint: node.usdcMint,
    mintAuthority: node.mintAuthority,
    advance: (n = 1) => node.advance(n),
    slot: node.slot,
    airdropSol: node.airdropSol,
    mintUsdc: node.mintUsdc,
    setFaults: node.setFaults,
    faults: () => ({ ...faults }),
    stats: node.stats,
    resetStats: node.resetStats,
    latestBlockhash: node.latestBlockhash,
    heldRequests: () => held.size,
  };
}

// ---------------------------------------------------------------------------------------------------------
// CLI: node tests/support/litesvm_rpc.mjs [--port N] [--slot-ms N] [--confirm-slots N] [--finalize-slots N]
//      [--blockhash-valid-slots N]; prints the readiness line once, stops on SIGTERM/SIGINT (exit 0).
async function main(argv) {
  const flags = {
    '--port': 'port',
    '--slot-ms': 'slotMs',
    '--confirm-slots': 'confirmSlots',
    '--finalize-slots': 'finalizeSlots',
    '--blockhash-valid-slots': 'blockhashValidSlots',
  };
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const key = flags[flag];
    const value = inline ?? argv[++i];
    if (!key || value === undefined || !/^\d+$/.test(value)) {
      process.stderr.write('usage: litesvm_rpc.mjs [--port N] [--slot-ms N] [--confirm-slots N] ' +
                           '[--finalize-slots N] [--blockhash-valid-slots N]\n');
      process.exit(2);
    }
    options[key] = Number(value);
  }
  const rpc = await startLitesvmRpc(options);
  process.stdout.write(`litesvm-rpc listening on ${rpc.url}\n`);
  const shutdown = async () => {
    await rpc.stop();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`litesvm-rpc: ${e?.stack ?? e}\n`);
    process.exit(1);
  });
}
