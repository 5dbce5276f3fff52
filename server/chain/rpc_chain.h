// server/chain/rpc_chain.h: the Chain backend over Solana JSON-RPC (solana-phantom.md §5), for
// devnet and mainnet.
//
// Owns: the mapping of each Chain method onto its RPC call (params, commitment, encodings), the
// parsing of RPC answers into chain.h's values (wire transactions, token account and mint layouts
// of §3.8), and the naming of RPC transaction errors the way SandboxChain names them. Must never:
// trust an answer's shape without checking it (a malformed answer is chain_unavailable, never a
// crash), credit anything but what getTransaction's meta reports, or talk HTTP itself (that is
// RpcClient's, rpc_client.h).
//
// Semantics, matching SandboxChain where RPC allows it:
//  - send() and simulate() check the transaction locally first (parse, sanitize, signatures) with
//    the same errors as the sandbox, so a broken transaction costs no request. Unlike the sandbox,
//    address lookup tables are allowed (the cluster has them).
//  - send() uses preflight: an instruction error is refused as transaction_rejected (the sandbox
//    lands such a transaction with err instead). "already processed" is rejection
//    "AlreadyProcessed".
//  - Transaction errors get the sandbox's names: built-in variants keep their RPC name, a program's
//    {"Custom":n} becomes the program's error variant (SPL Token 1 = "InsufficientFunds"; System 1,
//    ResultWithNegativeLamports, is also "InsufficientFunds", as the sandbox calls a short
//    transfer) when the instruction's program is known, and "Custom" otherwise
//    (getSignatureStatuses).
//  - signature_statuses() splits lists above 256 into several calls, sent as batches of as many
//    calls as fit below the node's 50 KiB body limit (two full ones per HTTP request), and asks
//    with searchTransactionHistory, so that a landed transaction never looks unknown (the sandbox
//    remembers all history). Strings that are no base58 signature are unknown (nullopt), unsent.
//  - get_transaction() and signatures_for_address() ask Processed as Confirmed (RPC refuses
//    processed for them). A ConfirmedTransaction's confirmation is the commitment it was read at.
//  - accounts() splits lists above 100 into several getMultipleAccounts calls, packed into batches
//    like signature_statuses(); each call reads its own slot (the sandbox reads one view for all).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "chain/chain.h"
#include "chain/rpc_client.h"

namespace hilt::server {

// getSignatureStatuses accepts at most 256 signatures per call.
inline constexpr std::size_t kRpcMaxSignatureStatuses = 256;
// getSignaturesForAddress returns at most 1000 entries (the sandbox's bound too).
inline constexpr std::size_t kRpcMaxSignaturesForAddress = 1'000;
// getMultipleAccounts accepts at most 100 addresses per call (MAX_MULTIPLE_ACCOUNTS).
inline constexpr std::size_t kRpcMaxMultipleAccounts = 100;

struct RpcChainOptions {
    std::string url;  // e.g. https://api.devnet.solana.com (may carry a provider's API key)
    std::chrono::milliseconds connect_timeout = kRpcDefaultConnectTimeout;
    std::chrono::milliseconds timeout = kRpcDefaultTimeout;  // per HTTP request
    std::uint32_t max_attempts = kRpcDefaultMaxAttempts;     // HTTP requests per call, in all
    std::chrono::milliseconds backoff_base = kRpcDefaultBackoffBase;
    std::uint32_t max_requests_per_second = kRpcDefaultMaxRequestsPerSecond;  // 0: no cap
    std::string ca_file;  // https only: the CAs to trust instead of the system's (rpc_client.h)
    // The commitment of calls whose Chain method names none: simulateTransaction and
    // sendTransaction's preflightCommitment. Confirmed, as the server recipe of §5 builds on
    // getLatestBlockhash(confirmed): a processed-only blockhash could be from a dropped fork.
    Commitment commitment = Commitment::Confirmed;

    RpcClientOptions client_options() const;
};

class RpcChain final : public Chain {
public:
    // invalid_url (field "url") for a URL RpcClient refuses, invalid_value (field "ca_file") for a
    // CA file it refuses. Sends nothing.
    [[nodiscard]] static Result<std::unique_ptr<RpcChain>> create(RpcChainOptions options);

    // ---- Chain
    [[nodiscard]] Result<LatestBlockhash> latest_blockhash(Commitment commitment) override;
    [[nodiscard]] Result<std::uint64_t> block_height(Commitment commitment) override;
    [[nodiscard]] Result<SimulationResult> simulate(
        const solana::Transaction& transaction) override;
    [[nodiscard]] Result<std::string> send(ByteView wire) override;
    [[nodiscard]] Result<std::vector<std::optional<SignatureStatus>>> signature_statuses(
        const std::vector<std::string>& signatures) override;
    [[nodiscard]] Result<std::optional<ConfirmedTransaction>> get_transaction(
        const std::string& signature, Commitment commitment) override;
    [[nodiscard]] Result<std::vector<SignatureInfo>> signatures_for_address(
        const solana::PublicKey& address, std::size_t limit, Commitment commitment) override;
    [[nodiscard]] Result<std::optional<AccountState>> account(const solana::PublicKey& address,
                                                              Commitment commitment) override;
    [[nodiscard]] Result<std::vector<std::optional<AccountState>>> accounts(
        std::span<const solana::PublicKey> addresses, Commitment commitment) override;

    // What went over the wire so far (requests per method, retries, throttling).
    RpcStats stats() const { return client_->stats(); }

private:
    RpcChain(std::unique_ptr<RpcClient> client, Commitment commitment);
    // Sends `calls` in as few HTTP requests as the node's body limit allows (batches of several
    // calls, a lone call as itself); the replies in the order of `calls`.
    [[nodiscard]] Result<std::vector<RpcReply>> call_packed(std::vector<RpcCall> calls);

    std::unique_ptr<RpcClient> client_;
    Commitment commitment_;
};

// An RPC TransactionError JSON value ("BlockhashNotFound", {"InstructionError":[1,{"Custom":1}]},
// {"InsufficientFundsForRent":{"account_index":2}}, …) as a TransactionError; nullopt for null.
// `message` (may be null) names the programs of the instructions, for {"Custom":n}. Total: an
// unknown shape becomes name "Unknown" with the JSON as detail.
std::optional<TransactionError> transaction_error_from_rpc(const nlohmann::json& err,
                                                           const solana::Message* message);

}  // namespace hilt::server
