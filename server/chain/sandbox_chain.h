// server/chain/sandbox_chain.h: Hilt's test mode, an in-process Solana cluster (Chain backend) for
// exactly the programs a checkout uses, with a faucet and fault switches.
//
// Owns: the slot clock (block height == slot) and its optional ticker thread, deterministic
// per-slot blockhashes and their 150-slot validity, commitment frontiers (processed, confirmed one
// slot later, finalized 32 slots later), the signature status cache, transaction history and the
// address index, views of accounts at older commitments (by undoing newer changes), the faucet,
// and fault injection. Execution itself is SandboxLedger's (sandbox_ledger.h).
// Must never: hold its mutex while sleeping or joining the ticker, let a transaction land twice or
// after its blockhash expired, or change an account outside a transaction or a faucet call.
//
// Semantics worth knowing:
//  - send() checks like RPC preflight (wire, sanitize, signatures, duplicate, blockhash,
//  ComputeBudget,
//    fee payer) and then lands the transaction at once in the current slot (as with skipPreflight
//    for execution errors: a failing instruction lands with err and the fee charged).
//  - Faucet calls take effect at the current slot like a transaction, so a Confirmed view shows
//  them
//    one slot later.
//  - get_transaction and signatures_for_address treat Processed like Confirmed (RPC refuses
//    processed for them).
//  - accounts() reads every address at one view, with no per-call limit (RPC's is 100).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "chain/chain.h"
#include "chain/sandbox_ledger.h"
#include "crypto/sodium.h"

namespace hilt::server {

class SandboxChain final : public Chain {
public:
    // MAX_PROCESSING_AGE: a blockhash is usable while block height ≤ its slot + 150.
    static constexpr std::uint64_t kMaxBlockhashAge = 150;
    // Slots after landing until a transaction is confirmed / finalized (no lag set).
    static constexpr std::uint64_t kConfirmationDepth = 1;
    static constexpr std::uint64_t kFinalizationDepth = 32;
    // The first slot (so that frontiers below it exist from the start).
    static constexpr std::uint64_t kGenesisSlot = 1'000;
    // Mainnet's target slot time; also the nominal time used for block_time.
    static constexpr std::chrono::milliseconds kDefaultSlotTime{400};
    // Blockhashes remembered (MAX_RECENT_BLOCKHASHES); older ones are unknown.
    static constexpr std::uint64_t kRecentBlockhashes = 300;
    // The sandbox's USDC: the devnet (Circle faucet) mint address, 6 decimals, present from
    // genesis.
    static constexpr std::uint8_t kUsdcDecimals = 6;
    static const solana::PublicKey& usdc_mint();

    SandboxChain();  // random blockhash seed
    explicit SandboxChain(const Bytes32& seed);
    ~SandboxChain() override;
    SandboxChain(const SandboxChain&) = delete;
    SandboxChain& operator=(const SandboxChain&) = delete;

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

    // ---- slot clock
    std::uint64_t slot() const;
    void advance_slots(std::uint64_t slots);
    // Advances one slot every `slot_time` on a background thread (restarts when running).
    void start_ticker(std::chrono::milliseconds slot_time = kDefaultSlotTime);
    void stop_ticker();

    // ---- faucet and setup (each takes effect at the current slot)
    // A new mint with a random address, supply 0.
    solana::PublicKey create_mint(std::uint8_t decimals);
    // amount_overflow when the balance would exceed u64.
    [[nodiscard]] Status airdrop_lamports(const solana::PublicKey& wallet, std::uint64_t lamports);
    // Mints `amount` to the wallet's associated token account, creating it (rent from the faucet)
    // when missing; returns its address. not_found for an unknown mint, conflict when the address
    // holds something else, amount_overflow when balance or supply would exceed u64.
    [[nodiscard]] Result<solana::PublicKey> airdrop_tokens(const solana::PublicKey& wallet,
                                                           const solana::PublicKey& mint,
                                                           std::uint64_t amount);
    // The mint's freeze authority at work; not_found when it is no token account.
    [[nodiscard]] Status set_frozen(const solana::PublicKey& token_account, bool frozen);
    // Lamports held by every account (fees are burned, so this falls by exactly the fees charged).
    std::uint64_t total_lamports() const;
    // Where block_time comes from: the unix seconds at which each transaction lands (default: the
    // system clock). hiltd passes its own clock so that tests moving time see consistent landing times.
    void set_time_source(std::function<std::int64_t()> now_unix_seconds);

    // ---- fault switches
    // The next `count` sends that pass every check return their signature but never land (a lost
    // packet); sending the same bytes again can land them.
    void drop_next_broadcasts(std::size_t count);
    // Jumps kMaxBlockhashAge + 1 slots at once: every blockhash handed out so far is expired.
    void expire_blockhashes();
    // Confirmed and finalized lag `slots` more behind the tip from now on (0 restores normal).
    void delay_confirmation(std::uint64_t slots);
    // The next `count` sends fail with chain_unavailable before any check.
    void fail_next_sends(std::size_t count);

private:
    struct Landed {
        std::string signature;
        std::uint64_t slot = 0;
        solana::Transaction transaction;
        Execution execution;
        std::int64_t block_time = 0;
    };
    struct ChangeSet {  // what one transaction or faucet call changed, to undo for older views
        std::uint64_t slot = 0;
        AccountUndo undo;
    };

    // All private helpers expect mutex_ held.
    solana::PublicKey blockhash_of(std::uint64_t slot) const;
    std::uint64_t frontier(Commitment commitment) const;
    Commitment commitment_of(std::uint64_t slot) const;
    void advance_locked(std::uint64_t slots);
    void update_frontiers();
    std::optional<TransactionError> admit(const solana::Transaction& transaction) const;
    void record_change(AccountUndo undo);
    std::optional<SandboxAccount> account_at(const solana::PublicKey& address,
                                             std::uint64_t frontier_slot) const;
    // account_at() as the Chain reports it.
    std::optional<AccountState> account_state_at(const solana::PublicKey& address,
                                                 std::uint64_t frontier_slot) const;
    ConfirmedTransaction to_confirmed(const Landed& landed) const;

    mutable std::mutex mutex_;
    Bytes32 seed_{};
    std::function<std::int64_t()> now_unix_;
    std::uint64_t slot_ = kGenesisSlot;
    std::uint64_t confirmed_slot_ = kGenesisSlot - kConfirmationDepth;
    std::uint64_t finalized_slot_ = kGenesisSlot - kFinalizationDepth;
    std::uint64_t confirmation_lag_ = 0;
    std::map<solana::PublicKey, std::uint64_t> recent_blockhashes_;  // hash → slot
    std::deque<std::pair<std::uint64_t, solana::PublicKey>> blockhash_order_;
    SandboxLedger ledger_;
    std::deque<ChangeSet> changes_;  // newest last; only those not yet finalized
    std::vector<Landed> history_;
    std::unordered_map<std::string, std::size_t> by_signature_;
    std::unordered_map<solana::PublicKey, std::vector<std::size_t>> by_address_;
    std::size_t drop_next_ = 0;
    std::size_t fail_next_ = 0;

    std::mutex ticker_mutex_;  // guards the ticker's thread handle and stop flag only
    std::condition_variable ticker_wake_;
    std::thread ticker_;
    bool ticker_stop_ = false;
};

}  // namespace hilt::server
