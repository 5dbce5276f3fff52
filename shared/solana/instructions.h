// shared/solana/instructions.h: the instructions a checkout payment uses (solana-phantom.md
// §3.2–§3.7), built as program-level Instructions and decoded back from compiled ones.
//
// Owns: System transfer, SPL Token Transfer/TransferChecked (with Solana Pay reference accounts
// appended), Approve/ApproveChecked and Revoke (a subscription's delegate), CloseAccount (a builder
// only: no payment closes an account), Associated Token Account create (idempotent), Memo and
// ComputeBudget; and for each but CloseAccount, a decoder from a ResolvedInstruction to a typed
// struct.
// Must never: decode more strictly than the on-chain program executes. Where a program ignores
// trailing data (System's bincode, Token's unpack) the decoder ignores it too, so that whatever the
// runtime would execute as a transfer is seen as one. Where a program rejects it (ComputeBudget,
// ATA borsh), the decoder rejects it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "solana/message.h"
#include "solana/pubkey.h"

namespace hilt::solana {

// Largest ComputeBudget limit the runtime accepts (MAX_COMPUTE_UNIT_LIMIT).
inline constexpr std::uint32_t kMaxComputeUnitLimit = 1'400'000;

// ---- builders
// -------------------------------------------------------------------------------------------

Instruction system_transfer(const PublicKey& from, const PublicKey& to, std::uint64_t lamports);

// TransferChecked(amount, decimals) from `source` to `destination` token accounts, authorised by
// `owner`; `references` are appended as readonly non-signer accounts, in order (Solana Pay).
Instruction token_transfer_checked(const PublicKey& source, const PublicKey& mint,
                                   const PublicKey& destination, const PublicKey& owner,
                                   std::uint64_t amount, std::uint8_t decimals,
                                   std::span<const PublicKey> references = {},
                                   const PublicKey& token_program = programs::kToken);

// ApproveChecked(amount, decimals): `owner` lets `delegate` move up to `amount` of `mint` out of
// `source`. A token account has one delegate: this replaces any earlier delegate and allowance.
Instruction token_approve_checked(const PublicKey& source, const PublicKey& mint,
                                  const PublicKey& delegate, const PublicKey& owner,
                                  std::uint64_t amount, std::uint8_t decimals,
                                  const PublicKey& token_program = programs::kToken);

// Revoke: `owner` removes the delegate of `source`, whoever it is.
Instruction token_revoke(const PublicKey& source, const PublicKey& owner,
                         const PublicKey& token_program = programs::kToken);

// CloseAccount: `owner` closes the empty token account `account`, its rent going to `destination`.
Instruction token_close_account(const PublicKey& account, const PublicKey& destination,
                                const PublicKey& owner,
                                const PublicKey& token_program = programs::kToken);

// CreateIdempotent for the associated token account of (owner, mint), paid by `funder`.
[[nodiscard]] Result<Instruction> create_associated_token_account_idempotent(
    const PublicKey& funder, const PublicKey& owner, const PublicKey& mint,
    const PublicKey& token_program = programs::kToken);

// A memo with no accounts; invalid_utf8 when `text` is not valid UTF-8.
[[nodiscard]] Result<Instruction> memo(std::string_view text);

Instruction set_compute_unit_limit(std::uint32_t units);
Instruction set_compute_unit_price(std::uint64_t micro_lamports_per_unit);

// ---- decoding
// -------------------------------------------------------------------------------------------

struct ResolvedAccount {
    std::optional<PublicKey>
        key;  // nullopt: loaded from an address lookup table, unknown without RPC
    bool is_signer = false;
    bool is_writable = false;

    friend bool operator==(const ResolvedAccount&, const ResolvedAccount&) = default;
};

// A compiled instruction with its indexes replaced by the accounts they name.
struct ResolvedInstruction {
    PublicKey program_id;
    std::vector<ResolvedAccount> accounts;
    Bytes data;
};

// Resolves instruction `index` of a validated message (parse_message / compile_message output).
ResolvedInstruction resolve_instruction(const Message& message, std::size_t index);

struct SystemTransfer {
    std::optional<PublicKey> from;
    std::optional<PublicKey> to;
    std::uint64_t lamports = 0;
    std::vector<ResolvedAccount> extra_accounts;  // ignored by the program; Solana Pay references
};

struct TokenTransfer {
    PublicKey token_program;
    bool checked = false;  // TransferChecked (names the mint and decimals) rather than Transfer
    std::optional<PublicKey> source;
    std::optional<PublicKey> mint;  // only TransferChecked names it
    std::optional<PublicKey> destination;
    std::optional<PublicKey> authority;
    std::uint64_t amount = 0;
    std::optional<std::uint8_t> decimals;
    std::vector<ResolvedAccount> extra_accounts;  // multisig signers or Solana Pay references
};

struct TokenApprove {
    PublicKey token_program;
    bool checked = false;  // ApproveChecked (names the mint and decimals) rather than Approve
    std::optional<PublicKey> source;
    std::optional<PublicKey> mint;  // only ApproveChecked names it
    std::optional<PublicKey> delegate;
    std::optional<PublicKey> owner;
    std::uint64_t amount = 0;
    std::optional<std::uint8_t> decimals;
    std::vector<ResolvedAccount> extra_accounts;  // multisig signers
};

struct TokenRevoke {
    PublicKey token_program;
    std::optional<PublicKey> source;
    std::optional<PublicKey> owner;
    std::vector<ResolvedAccount> extra_accounts;  // multisig signers
};

struct CreateAssociatedTokenAccount {
    bool idempotent = false;
    std::optional<PublicKey> funder;
    std::optional<PublicKey> address;
    std::optional<PublicKey> owner;
    std::optional<PublicKey> mint;
    std::optional<PublicKey> system_program;
    std::optional<PublicKey> token_program;
};

struct Memo {
    PublicKey program;
    std::string text;
    std::vector<ResolvedAccount> signers;  // every listed account must have signed
};

enum class ComputeBudgetKind : std::uint8_t {
    RequestHeapFrame = 1,
    SetComputeUnitLimit = 2,
    SetComputeUnitPrice = 3,
    SetLoadedAccountsDataSizeLimit = 4,
};

struct ComputeBudgetInstruction {
    ComputeBudgetKind kind = ComputeBudgetKind::SetComputeUnitLimit;
    std::uint64_t value = 0;  // u32 for every kind except the price (u64 micro-lamports per unit)
};

// Each decoder fails with invalid_value when the instruction is of another program or kind, and
// with malformed_transaction when it is of that kind but the program would reject it (short data,
// missing accounts, bad UTF-8 as invalid_utf8).
[[nodiscard]] Result<SystemTransfer> decode_system_transfer(const ResolvedInstruction& instruction);
// SPL Token or Token-2022 Transfer (3) and TransferChecked (12).
[[nodiscard]] Result<TokenTransfer> decode_token_transfer(const ResolvedInstruction& instruction);
// SPL Token or Token-2022 Approve (4) and ApproveChecked (13).
[[nodiscard]] Result<TokenApprove> decode_token_approve(const ResolvedInstruction& instruction);
// SPL Token or Token-2022 Revoke (5).
[[nodiscard]] Result<TokenRevoke> decode_token_revoke(const ResolvedInstruction& instruction);
[[nodiscard]] Result<CreateAssociatedTokenAccount> decode_create_associated_token_account(
    const ResolvedInstruction& instruction);
// Memo (MemoSq4g…) and the legacy Memo v1 program.
[[nodiscard]] Result<Memo> decode_memo(const ResolvedInstruction& instruction);
[[nodiscard]] Result<ComputeBudgetInstruction> decode_compute_budget(
    const ResolvedInstruction& instruction);

// Strict UTF-8 (as Rust's str::from_utf8): no overlong forms, surrogates or code points above
// U+10FFFF.
bool is_valid_utf8(std::string_view text);

}  // namespace hilt::solana
