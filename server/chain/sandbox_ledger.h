// server/chain/sandbox_ledger.h: the account store and transaction executor behind SandboxChain
// (sandbox_chain.h): accounts with lamports, owners and SPL Token state, and the programs a
// checkout uses, executed with the runtime's rules (solana-phantom.md §3).
//
// Owns: fee computation (base fee per signature plus the ComputeBudget priority fee), fee-payer
// checks, atomic execution of System transfer, SPL Token Transfer / TransferChecked / Approve /
// ApproveChecked / Revoke / CloseAccount, Associated Token Account Create / CreateIdempotent, Memo
// and ComputeBudget, the rent rules of created accounts, and the pre/post balances RPC reports.
// Must never: lock, read a clock, verify signatures or blockhashes (SandboxChain does), or leave a
// failed transaction's instruction effects behind (only its fee is charged).
//
// Simplifications (documented, deliberate):
//  - Compute: each instruction has a fixed approximate cost (kCost* in the .cpp); the limit is the
//    SetComputeUnitLimit value (clamped to 1.4M) or, without one, 200,000 × the non-ComputeBudget
//    instructions (clamped). Priority fee = ceil(limit × price / 1,000,000) when a price is set.
//  - Fees are burned (no leader account).
//  - Only the classic Token program exists; Token-2022 and every other program fail with
//    ProgramNotSupported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chain/chain.h"
#include "solana/message.h"
#include "solana/pubkey.h"

namespace hilt::server {

// Base fee per signature (lamports_per_signature on every cluster today).
inline constexpr std::uint64_t kLamportsPerSignature = 5'000;
// Rent-exempt minimums: (128 bytes of account overhead + data) × 3480 lamports/byte-year × 2 years.
inline constexpr std::uint64_t kRentExemptSystemAccount = 890'880;   // 0 bytes of data
inline constexpr std::uint64_t kRentExemptTokenAccount = 2'039'280;  // 165 bytes
inline constexpr std::uint64_t kRentExemptMintAccount = 1'461'600;   // 82 bytes
// Compute units an instruction gets when the transaction sets no limit (agave's default).
inline constexpr std::uint64_t kDefaultInstructionComputeUnits = 200'000;

struct SandboxAccount {
    std::uint64_t lamports = 0;
    solana::PublicKey owner;  // owning program; System for wallets
    std::optional<TokenAccountState> token_account;
    std::optional<MintState> mint;

    // Solana purges accounts left with zero lamports; every data account here holds rent.
    bool exists() const { return lamports > 0; }
    std::uint64_t rent_exempt_minimum() const;
    friend bool operator==(const SandboxAccount&, const SandboxAccount&) = default;
};

// The pre-transaction state of every account a change touched (nullopt: it did not exist), so that
// a view at an older commitment can be rebuilt by undoing newer changes.
using AccountUndo = std::vector<std::pair<solana::PublicKey, std::optional<SandboxAccount>>>;

// What running one transaction did. `rejected`: it cannot land at all (nothing changed, no fee);
// otherwise it landed, with `err` set when an instruction failed (then only the fee was charged).
struct Execution {
    std::optional<TransactionError> rejected;
    std::optional<TransactionError> err;
    std::uint64_t fee = 0;
    std::uint64_t units_consumed = 0;
    std::vector<std::uint64_t> pre_balances;
    std::vector<std::uint64_t> post_balances;
    std::vector<TokenBalance> pre_token_balances;
    std::vector<TokenBalance> post_token_balances;
    std::vector<std::string> log_messages;
    AccountUndo undo;  // filled when committed
};

class SandboxLedger {
public:
    std::optional<SandboxAccount> get(const solana::PublicKey& address) const;
    // Replaces (or, for an account without lamports, removes) an account; returns its undo entry.
    AccountUndo put(const solana::PublicKey& address, const SandboxAccount& account);
    void restore(const AccountUndo& undo);

    // Runs a sanitized message whose keys are all static (no lookup tables). `commit` false: the
    // ledger is left untouched (simulation).
    Execution execute(const solana::Message& message, bool commit);

    std::uint64_t total_lamports() const;

private:
    std::unordered_map<solana::PublicKey, SandboxAccount> accounts_;
};

}  // namespace hilt::server
