// shared/solana/inspector.h: what a transaction does, read from its parsed form, and the server's
// check that a wallet signed what the checkout asked for (solana-phantom.md §1.6, §4.4).
//
// Owns: TransactionReport (fee payer, signers and their signature state, programs, SOL and token
// transfers, token approvals and revokes, memos, compute budget, Solana Pay references, unresolved
// lookup-table accounts) and check_payment, a pure function of a report and a PaymentExpectation.
// Must never: byte-compare a returned transaction with the one we built (wallets add compute-budget
// and guard instructions; always re-parse), trust an account loaded from an address lookup table
// (its key is unknown without RPC, so a transfer touching one is unverifiable), or pass an
// instruction of a known program that it does not understand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "solana/instructions.h"
#include "solana/transaction.h"

namespace hilt::solana {

enum class InstructionKind : std::uint8_t {
    SystemTransfer,
    TokenTransfer,
    TokenTransferChecked,
    TokenApprove,
    TokenApproveChecked,
    TokenRevoke,
    CreateAssociatedTokenAccount,
    CreateAssociatedTokenAccountIdempotent,
    Memo,
    SetComputeUnitLimit,
    SetComputeUnitPrice,
    RequestHeapFrame,
    SetLoadedAccountsDataSizeLimit,
    Unrecognized,  // an instruction of a program listed above that is none of these (or malformed)
    OtherProgram,  // any other program (e.g. Lighthouse); opaque to us
};
std::string_view to_string(InstructionKind kind);

struct InstructionSummary {
    std::size_t index = 0;
    PublicKey program_id;
    InstructionKind kind = InstructionKind::OtherProgram;
    std::string problem;  // for Unrecognized: why the decoder refused it
};

struct SignerReport {
    PublicKey key;
    bool is_writable = false;
    SignatureState signature = SignatureState::Missing;
};

struct SolTransferReport : SystemTransfer {
    std::size_t instruction_index = 0;
    bool verifiable = true;  // false when `from` or `to` comes from a lookup table
};

struct TokenTransferReport : TokenTransfer {
    std::size_t instruction_index = 0;
    bool verifiable =
        true;  // false when source, mint, destination or authority comes from a lookup table
};

struct TokenApprovalReport : TokenApprove {
    std::size_t instruction_index = 0;
    bool verifiable = true;  // false when source, mint, delegate or owner comes from a lookup table
};

struct TokenRevokeReport : TokenRevoke {
    std::size_t instruction_index = 0;
};

struct MemoReport : Memo {
    std::size_t instruction_index = 0;
};

struct ComputeBudgetReport {
    std::optional<std::uint32_t> unit_limit;
    std::optional<std::uint64_t> unit_price_micro_lamports;
    std::optional<std::uint32_t> heap_frame_bytes;
    std::optional<std::uint32_t> loaded_accounts_data_size_limit;
    bool has_duplicates = false;  // the runtime rejects a transaction that sets one value twice

    // ceil(limit × price / 1 000 000) lamports when both are set (saturating), else nullopt.
    std::optional<std::uint64_t> priority_fee_lamports() const;
};

struct TransactionReport {
    MessageVersion version = MessageVersion::Legacy;
    std::string signature;  // transaction id: base58 of signature 0 (all '1's when unsigned)
    PublicKey fee_payer;
    PublicKey recent_blockhash;
    std::vector<SignerReport> signers;  // one per required signature, in slot order
    std::vector<PublicKey> programs;    // distinct programs invoked, in first-use order
    std::vector<InstructionSummary> instructions;
    std::vector<SolTransferReport> sol_transfers;
    std::vector<TokenTransferReport> token_transfers;
    std::vector<TokenApprovalReport> token_approvals;  // Approve and ApproveChecked
    std::vector<TokenRevokeReport> token_revokes;
    std::vector<MemoReport> memos;
    ComputeBudgetReport compute_budget;
    // Readonly non-signer static accounts appended to a transfer (Solana Pay references), distinct,
    // in order.
    std::vector<PublicKey> references;
    std::vector<PublicKey> lookup_tables;      // v0 address tables the transaction loads from
    std::size_t unresolved_account_count = 0;  // accounts whose keys come from those tables

    bool all_signatures_valid() const;
};

// Reads a parsed (hence sanitized) transaction. Never fails: instructions it cannot decode are
// listed as Unrecognized or OtherProgram.
TransactionReport inspect_transaction(const Transaction& transaction);

// ---- payment check
// --------------------------------------------------------------------------------------

struct ExpectedTokenTransfer {
    PublicKey destination;  // the token account (ATA), not the wallet
    PublicKey mint;
    std::uint64_t amount = 0;  // raw units
    std::uint8_t decimals = 0;
};

struct ExpectedSolTransfer {
    PublicKey destination;
    std::uint64_t lamports = 0;
};

// A delegate allowance the payment grants (a subscription's renewals): one ApproveChecked.
struct ExpectedApproval {
    PublicKey source;  // the payer's token account (ATA) the delegate may spend from
    PublicKey mint;
    PublicKey delegate;
    std::uint64_t amount = 0;  // raw units: the whole allowance, not one period
    std::uint8_t decimals = 0;
};

struct PaymentExpectation {
    PublicKey payer;  // fee payer, and authority/source of every transfer
    std::vector<ExpectedTokenTransfer> token_transfers;  // distinct destinations
    std::vector<ExpectedSolTransfer> sol_transfers;      // distinct destinations
    std::optional<PublicKey> reference;
    std::optional<std::string> memo;  // when set, a memo with exactly this text must be present
    // When set, exactly this approval must be present; unset (an ordinary checkout), none at all.
    std::optional<ExpectedApproval> approval;
    std::vector<PublicKey> allowed_programs;
    bool require_signatures =
        true;  // false to check an unsigned transaction before a wallet signs it
};

// Succeeds when the report shows exactly what the expectation describes:
//  - fee payer == payer (transaction_mismatch, field "fee_payer");
//  - every required signature present and valid (invalid_signature, "signers[i]"), if required;
//  - every invoked program allowlisted ("programs[i]"), and every instruction of a program we know
//  decoded
//    ("instructions[i]"); no duplicate compute-budget setting;
//  - no plain Approve and no Revoke ever ("instructions[i]"), and no ApproveChecked unless an
//    approval is expected ("instructions[i]");
//  - no transfer or approval involving lookup-table accounts (address_lookup_unsupported,
//  "token_transfers[i]" / "sol_transfers[i]" / "token_approvals[i]");
//  - for each expected transfer exactly one TransferChecked/System transfer to its destination,
//  with the same
//    mint, amount and decimals (or lamports) and the payer as authority/source (field
//    "expected.token_transfers[k]" / "expected.sol_transfers[k]"); no other transfer at all (field
//    "token_transfers[i]" / "sol_transfers[i]", the report's index);
//  - when an approval is expected: exactly one ApproveChecked (a second one: "token_approvals[i]")
//    with its source, delegate, mint, amount and decimals, and the payer as owner
//    ("expected.approval");
//  - the reference among the report's references ("reference"); the memo, if expected ("memo").
[[nodiscard]] Status check_payment(const TransactionReport& report,
                                   const PaymentExpectation& expected);

// ---- a buyer's change to a subscription's delegation (the manage page) ------------------------------

struct ExpectedDelegationChange {
    PublicKey owner;   // the buyer: fee payer, signer, owner of `source`
    PublicKey source;  // the buyer's token account (ATA)
    PublicKey mint;
    std::uint8_t decimals = 0;
    PublicKey delegate;  // Hilt's renewal delegate (an approval must name it)
    std::optional<std::uint64_t> approve_amount;  // an ApproveChecked for exactly this; nullopt: a Revoke
    bool require_signatures = true;
};

// Succeeds when the transaction only changes `source`'s delegation as expected: fee payer == owner and
// valid signatures (as check_payment); nothing but compute-budget instructions (each set once), wallet guard
// instructions (Lighthouse) and exactly one token instruction: a Revoke of `source` signed by the owner, or
// an ApproveChecked of `source` to `delegate` for `approve_amount` (mint, decimals), signed by the owner.
[[nodiscard]] Status check_delegation_change(const TransactionReport& report,
                                             const ExpectedDelegationChange& expected);

}  // namespace hilt::solana
