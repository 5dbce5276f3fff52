// server/chain/chain.h: what hiltd needs from a Solana cluster, as one interface with two backends:
//  - SandboxChain (sandbox_chain.h): an in-process ledger, Hilt's test mode (issue 3);
//  - an RPC backend over Solana JSON-RPC (issue 4).
// The methods mirror the JSON-RPC calls of solana-phantom.md §5 so that both backends mean the same thing.
// Amounts are only ever credited from what the chain reports (ConfirmedTransaction balances), never from
// what a client claims.
// Must never: block a buyer's request on chain I/O longer than the backend's own timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "solana/pubkey.h"
#include "solana/transaction.h"

namespace hilt::server {

enum class Commitment : std::uint8_t { Processed, Confirmed, Finalized };
std::string_view to_string(Commitment commitment);

struct LatestBlockhash {
    solana::PublicKey blockhash;  // 32 bytes, base58 like a key
    std::uint64_t last_valid_block_height = 0;
};

// A transaction's on-chain error, as RPC reports it ({"InstructionError":[1,{"Custom":1}]} and the like),
// reduced to a stable name plus the instruction it happened in.
struct TransactionError {
    std::string name;  // e.g. "InsufficientFunds", "AccountNotFound", "BlockhashNotFound"
    std::optional<std::size_t> instruction_index;
    std::string detail;
};

struct SignatureStatus {
    std::uint64_t slot = 0;
    Commitment confirmation = Commitment::Processed;
    std::optional<TransactionError> err;
};

struct TokenBalance {
    std::size_t account_index = 0;
    solana::PublicKey account;
    solana::PublicKey mint;
    solana::PublicKey owner;
    std::uint64_t amount = 0;  // raw units
    std::uint8_t decimals = 0;
};

// getTransaction(…, maxSupportedTransactionVersion: 0) with its meta.
struct ConfirmedTransaction {
    std::string signature;
    std::uint64_t slot = 0;
    std::optional<std::int64_t> block_time;
    Commitment confirmation = Commitment::Confirmed;
    solana::Transaction transaction;
    std::vector<solana::PublicKey> account_keys;  // static keys, then loaded writable, then loaded readonly
    std::optional<TransactionError> err;
    std::uint64_t fee = 0;
    std::vector<std::uint64_t> pre_balances;
    std::vector<std::uint64_t> post_balances;
    std::vector<TokenBalance> pre_token_balances;
    std::vector<TokenBalance> post_token_balances;
    std::vector<std::string> log_messages;
};

struct SignatureInfo {
    std::string signature;
    std::uint64_t slot = 0;
    std::optional<TransactionError> err;
    Commitment confirmation = Commitment::Confirmed;
};

struct SimulationResult {
    std::optional<TransactionError> err;  // nullopt: it would succeed now
    std::vector<std::string> logs;
    std::uint64_t units_consumed = 0;
};

struct TokenAccountState {
    solana::PublicKey mint;
    solana::PublicKey owner;
    std::uint64_t amount = 0;
    std::optional<solana::PublicKey> delegate;
    std::uint64_t delegated_amount = 0;
    bool frozen = false;
    friend bool operator==(const TokenAccountState&, const TokenAccountState&) = default;
};

struct MintState {
    std::uint8_t decimals = 0;
    std::uint64_t supply = 0;
    friend bool operator==(const MintState&, const MintState&) = default;
};

struct AccountState {
    std::uint64_t lamports = 0;
    solana::PublicKey owner;  // owning program
    std::optional<TokenAccountState> token_account;
    std::optional<MintState> mint;
    friend bool operator==(const AccountState&, const AccountState&) = default;
};

// A transaction refused before landing, as RPC preflight refuses it: code transaction_rejected,
// field "err", message "<name>: <detail>" where name is a TransactionError name (AlreadyProcessed,
// BlockhashNotFound, InsufficientFundsForFee, AccountNotFound, DuplicateInstruction, …).
[[nodiscard]] Error rejection(const TransactionError& err);
// The TransactionError name carried by an error made with rejection(); empty for any other error.
std::string rejection_name(const Error& error);

class Chain {
public:
    virtual ~Chain() = default;

    [[nodiscard]] virtual Result<LatestBlockhash> latest_blockhash(Commitment commitment) = 0;
    [[nodiscard]] virtual Result<std::uint64_t> block_height(Commitment commitment) = 0;
    // Runs the transaction against the current state without committing (signatures verified).
    [[nodiscard]] virtual Result<SimulationResult> simulate(const solana::Transaction& transaction) = 0;
    // Submits signed wire bytes; returns the transaction id. Success means accepted, not landed. Errors:
    // chain_unavailable (try later) or malformed_transaction / invalid_signature (never will land), or
    // transaction_rejected (see rejection()) when preflight refuses it as sent.
    // rejection_name() == "AlreadyProcessed" means the same signature already landed.
    [[nodiscard]] virtual Result<std::string> send(ByteView wire) = 0;
    // One entry per signature, nullopt when unknown (not landed, or dropped).
    [[nodiscard]] virtual Result<std::vector<std::optional<SignatureStatus>>> signature_statuses(
        const std::vector<std::string>& signatures) = 0;
    [[nodiscard]] virtual Result<std::optional<ConfirmedTransaction>> get_transaction(
        const std::string& signature, Commitment commitment) = 0;
    // Newest first, like getSignaturesForAddress.
    [[nodiscard]] virtual Result<std::vector<SignatureInfo>> signatures_for_address(
        const solana::PublicKey& address, std::size_t limit, Commitment commitment) = 0;
    [[nodiscard]] virtual Result<std::optional<AccountState>> account(const solana::PublicKey& address,
                                                                      Commitment commitment) = 0;
    // One entry per address, in order; nullopt when the account does not exist. RPC:
    // getMultipleAccounts, at most 100 addresses per call (the RPC limit), so a longer list makes
    // several calls.
    [[nodiscard]] virtual Result<std::vector<std::optional<AccountState>>> accounts(
        std::span<const solana::PublicKey> addresses, Commitment commitment) = 0;
};

}  // namespace hilt::server
