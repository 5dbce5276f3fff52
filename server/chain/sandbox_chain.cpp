// server/chain/sandbox_chain.cpp: the sandbox cluster's clock, caches, reads, faucet and faults.
// Rules: agave bank check_transactions (blockhash age, then status cache), RPC preflight
// (solana-phantom.md §5), MAX_PROCESSING_AGE = 150.
#include "chain/sandbox_chain.h"

#include <algorithm>

#include "solana/pda.h"

namespace hilt::server {
namespace {

using solana::PublicKey;
namespace programs = solana::programs;

// getSignatureStatuses accepts at most 256 signatures per call.
constexpr std::size_t kMaxSignatureStatuses = 256;
// getSignaturesForAddress returns at most 1000 entries (and 1000 when no limit is given).
constexpr std::size_t kMaxSignaturesForAddress = 1'000;
constexpr std::string_view kBlockhashDomain = "hilt-sandbox-blockhash";

std::uint64_t saturating_sub(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }

Result<solana::Transaction> parse_wire(ByteView wire) {
    auto transaction = solana::parse_transaction(wire);
    if (!transaction) return transaction.error();
    if (!transaction->message.address_table_lookups.empty()) {
        return fail(ErrorCode::AddressLookupUnsupported, "the sandbox has no address lookup tables",
                    "message.address_table_lookups");
    }
    return transaction;
}

Status check_lookups(const solana::Transaction& transaction) {
    if (!transaction.message.address_table_lookups.empty()) {
        return fail(ErrorCode::AddressLookupUnsupported, "the sandbox has no address lookup tables",
                    "message.address_table_lookups");
    }
    return {};
}

}  // namespace

const PublicKey& SandboxChain::usdc_mint() {
    static const PublicKey kMint =
        PublicKey::parse("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU").value();
    return kMint;
}

SandboxChain::SandboxChain() : SandboxChain(random_array<32>()) {}

SandboxChain::SandboxChain(const Bytes32& seed) : seed_(seed) {
    now_unix_ = [] {
        return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
    };
    for (std::uint64_t s = slot_ - kRecentBlockhashes + 1; s <= slot_; ++s) {
        const PublicKey hash = blockhash_of(s);
        recent_blockhashes_[hash] = s;
        blockhash_order_.emplace_back(s, hash);
    }
    (void)ledger_.put(usdc_mint(), SandboxAccount{kRentExemptMintAccount, programs::kToken,
                                                  std::nullopt, MintState{kUsdcDecimals, 0}});
}

SandboxChain::~SandboxChain() { stop_ticker(); }

// ---- clock -------------------------------------------------------------------------------------

PublicKey SandboxChain::blockhash_of(std::uint64_t slot) const {
    Bytes input(kBlockhashDomain.begin(), kBlockhashDomain.end());
    for (int i = 0; i < 8; ++i) input.push_back(static_cast<std::uint8_t>(slot >> (8 * i)));
    input.insert(input.end(), seed_.begin(), seed_.end());
    const Bytes32 hash = sha256(input);
    return PublicKey::from_bytes(hash);
}

std::uint64_t SandboxChain::frontier(Commitment commitment) const {
    switch (commitment) {
        case Commitment::Processed:
            return slot_;
        case Commitment::Confirmed:
            return confirmed_slot_;
        case Commitment::Finalized:
            return finalized_slot_;
    }
    return slot_;
}

Commitment SandboxChain::commitment_of(std::uint64_t slot) const {
    if (slot <= finalized_slot_) return Commitment::Finalized;
    if (slot <= confirmed_slot_) return Commitment::Confirmed;
    return Commitment::Processed;
}

void SandboxChain::update_frontiers() {
    confirmed_slot_ =
        std::max(confirmed_slot_, saturating_sub(slot_, kConfirmationDepth + confirmation_lag_));
    finalized_slot_ =
        std::max(finalized_slot_, saturating_sub(slot_, kFinalizationDepth + confirmation_lag_));
    while (!changes_.empty() && changes_.front().slot <= finalized_slot_) changes_.pop_front();
}

void SandboxChain::advance_locked(std::uint64_t slots) {
    const std::uint64_t target = slot_ + slots;
    const std::uint64_t oldest_kept = saturating_sub(target, kRecentBlockhashes - 1);
    for (std::uint64_t s = std::max(slot_ + 1, oldest_kept); s <= target; ++s) {
        const PublicKey hash = blockhash_of(s);
        recent_blockhashes_[hash] = s;
        blockhash_order_.emplace_back(s, hash);
    }
    while (!blockhash_order_.empty() && blockhash_order_.front().first < oldest_kept) {
        recent_blockhashes_.erase(blockhash_order_.front().second);
        blockhash_order_.pop_front();
    }
    slot_ = target;
    update_frontiers();
}

std::uint64_t SandboxChain::slot() const {
    std::lock_guard lock(mutex_);
    return slot_;
}

void SandboxChain::advance_slots(std::uint64_t slots) {
    std::lock_guard lock(mutex_);
    advance_locked(slots);
}

void SandboxChain::start_ticker(std::chrono::milliseconds slot_time) {
    stop_ticker();
    std::lock_guard lock(ticker_mutex_);
    ticker_stop_ = false;
    ticker_ = std::thread([this, slot_time] {
        std::unique_lock wait_lock(ticker_mutex_);
        while (!ticker_wake_.wait_for(wait_lock, slot_time, [this] { return ticker_stop_; })) {
            wait_lock.unlock();
            advance_slots(1);
            wait_lock.lock();
        }
    });
}

void SandboxChain::stop_ticker() {
    std::thread running;
    {
        std::lock_guard lock(ticker_mutex_);
        ticker_stop_ = true;
        running = std::move(ticker_);
    }
    ticker_wake_.notify_all();
    if (running.joinable()) running.join();
}

void SandboxChain::set_time_source(std::function<std::int64_t()> now_unix_seconds) {
    std::lock_guard lock(mutex_);
    now_unix_ = std::move(now_unix_seconds);
}

// ---- sending -----------------------------------------------------------------------------------

std::optional<TransactionError> SandboxChain::admit(const solana::Transaction& transaction) const {
    const auto found = recent_blockhashes_.find(transaction.message.recent_blockhash);
    if (found == recent_blockhashes_.end() || slot_ > found->second + kMaxBlockhashAge) {
        return TransactionError{"BlockhashNotFound", std::nullopt,
                                "the blockhash is unknown or older than 150 slots"};
    }
    if (by_signature_.contains(solana::transaction_id(transaction))) {
        return TransactionError{"AlreadyProcessed", std::nullopt,
                                "this transaction has already been processed"};
    }
    return std::nullopt;
}

Result<std::string> SandboxChain::send(ByteView wire) {
    std::lock_guard lock(mutex_);
    if (fail_next_ > 0) {
        --fail_next_;
        return fail(ErrorCode::ChainUnavailable,
                    "the sandbox cluster is unavailable (fault switch)");
    }
    auto transaction = parse_wire(wire);
    if (!transaction) return transaction.error();
    HILT_TRY(solana::verify_transaction_signatures(*transaction));
    if (auto refused = admit(*transaction)) return rejection(*refused);
    std::string signature = solana::transaction_id(*transaction);
    if (drop_next_ > 0) {
        const Execution dry_run = ledger_.execute(transaction->message, false);
        if (dry_run.rejected) return rejection(*dry_run.rejected);
        --drop_next_;
        return signature;  // accepted, then lost on the way to the leader
    }
    Execution execution = ledger_.execute(transaction->message, true);
    if (execution.rejected) return rejection(*execution.rejected);

    const std::size_t index = history_.size();
    record_change(std::move(execution.undo));
    execution.undo.clear();
    for (const auto& key : transaction->message.account_keys) by_address_[key].push_back(index);
    by_signature_.emplace(signature, index);
    history_.push_back(Landed{signature, slot_, std::move(*transaction), std::move(execution), now_unix_()});
    return signature;
}

Result<SimulationResult> SandboxChain::simulate(const solana::Transaction& transaction) {
    std::lock_guard lock(mutex_);
    HILT_TRY(check_lookups(transaction));
    HILT_TRY(solana::validate_message(transaction.message));
    HILT_TRY(solana::verify_transaction_signatures(transaction));
    SimulationResult result;
    if (auto refused = admit(transaction)) {
        result.err = std::move(refused);
        return result;
    }
    Execution execution = ledger_.execute(transaction.message, false);
    result.err = execution.rejected ? execution.rejected : execution.err;
    result.logs = std::move(execution.log_messages);
    result.units_consumed = execution.units_consumed;
    return result;
}

// ---- reads -------------------------------------------------------------------------------------

Result<LatestBlockhash> SandboxChain::latest_blockhash(Commitment commitment) {
    std::lock_guard lock(mutex_);
    const std::uint64_t slot = frontier(commitment);
    return LatestBlockhash{blockhash_of(slot), slot + kMaxBlockhashAge};
}

Result<std::uint64_t> SandboxChain::block_height(Commitment commitment) {
    std::lock_guard lock(mutex_);
    return frontier(commitment);
}

Result<std::vector<std::optional<SignatureStatus>>> SandboxChain::signature_statuses(
    const std::vector<std::string>& signatures) {
    if (signatures.size() > kMaxSignatureStatuses) {
        return fail(ErrorCode::TooMany, "at most 256 signatures per call", "signatures");
    }
    std::lock_guard lock(mutex_);
    std::vector<std::optional<SignatureStatus>> out;
    out.reserve(signatures.size());
    for (const auto& signature : signatures) {
        const auto found = by_signature_.find(signature);
        if (found == by_signature_.end()) {
            out.emplace_back(std::nullopt);
            continue;
        }
        const Landed& landed = history_[found->second];
        out.emplace_back(
            SignatureStatus{landed.slot, commitment_of(landed.slot), landed.execution.err});
    }
    return out;
}

ConfirmedTransaction SandboxChain::to_confirmed(const Landed& landed) const {
    const Execution& ex = landed.execution;
    ConfirmedTransaction out;
    out.signature = landed.signature;
    out.slot = landed.slot;
    out.block_time = landed.block_time;
    out.confirmation = commitment_of(landed.slot);
    out.transaction = landed.transaction;
    out.account_keys = landed.transaction.message.account_keys;
    out.err = ex.err;
    out.fee = ex.fee;
    out.pre_balances = ex.pre_balances;
    out.post_balances = ex.post_balances;
    out.pre_token_balances = ex.pre_token_balances;
    out.post_token_balances = ex.post_token_balances;
    out.log_messages = ex.log_messages;
    return out;
}

Result<std::optional<ConfirmedTransaction>> SandboxChain::get_transaction(
    const std::string& signature, Commitment commitment) {
    std::lock_guard lock(mutex_);
    if (commitment == Commitment::Processed) commitment = Commitment::Confirmed;
    const auto found = by_signature_.find(signature);
    if (found == by_signature_.end()) return std::optional<ConfirmedTransaction>{};
    const Landed& landed = history_[found->second];
    if (landed.slot > frontier(commitment)) return std::optional<ConfirmedTransaction>{};
    return std::optional<ConfirmedTransaction>{to_confirmed(landed)};
}

Result<std::vector<SignatureInfo>> SandboxChain::signatures_for_address(const PublicKey& address,
                                                                        std::size_t limit,
                                                                        Commitment commitment) {
    if (limit == 0 || limit > kMaxSignaturesForAddress) limit = kMaxSignaturesForAddress;
    std::lock_guard lock(mutex_);
    if (commitment == Commitment::Processed) commitment = Commitment::Confirmed;
    std::vector<SignatureInfo> out;
    const auto found = by_address_.find(address);
    if (found == by_address_.end()) return out;
    const std::uint64_t visible = frontier(commitment);
    for (auto it = found->second.rbegin(); it != found->second.rend() && out.size() < limit; ++it) {
        const Landed& landed = history_[*it];
        if (landed.slot > visible) continue;
        out.push_back(SignatureInfo{landed.signature, landed.slot, landed.execution.err,
                                    commitment_of(landed.slot)});
    }
    return out;
}

std::optional<SandboxAccount> SandboxChain::account_at(const PublicKey& address,
                                                       std::uint64_t frontier_slot) const {
    std::optional<SandboxAccount> state = ledger_.get(address);
    for (auto it = changes_.rbegin(); it != changes_.rend() && it->slot > frontier_slot; ++it) {
        for (const auto& [key, before] : it->undo) {
            if (key == address) state = before;
        }
    }
    return state;
}

std::optional<AccountState> SandboxChain::account_state_at(const PublicKey& address,
                                                           std::uint64_t frontier_slot) const {
    const auto state = account_at(address, frontier_slot);
    if (!state) return std::nullopt;
    return AccountState{state->lamports, state->owner, state->token_account, state->mint};
}

Result<std::optional<AccountState>> SandboxChain::account(const PublicKey& address,
                                                          Commitment commitment) {
    std::lock_guard lock(mutex_);
    return account_state_at(address, frontier(commitment));
}

// One view for the whole list (RPC's getMultipleAccounts reads one slot too); no 100 limit here.
Result<std::vector<std::optional<AccountState>>> SandboxChain::accounts(
    std::span<const PublicKey> addresses, Commitment commitment) {
    std::lock_guard lock(mutex_);
    const std::uint64_t frontier_slot = frontier(commitment);
    std::vector<std::optional<AccountState>> out;
    out.reserve(addresses.size());
    for (const PublicKey& address : addresses) {
        out.push_back(account_state_at(address, frontier_slot));
    }
    return out;
}

// ---- faucet ------------------------------------------------------------------------------------

void SandboxChain::record_change(AccountUndo undo) {
    if (undo.empty()) return;
    changes_.push_back(ChangeSet{slot_, std::move(undo)});
}

PublicKey SandboxChain::create_mint(std::uint8_t decimals) {
    std::lock_guard lock(mutex_);
    PublicKey mint = PublicKey::from_bytes(random_array<32>());
    record_change(ledger_.put(mint, SandboxAccount{kRentExemptMintAccount, programs::kToken,
                                                   std::nullopt, MintState{decimals, 0}}));
    return mint;
}

Status SandboxChain::airdrop_lamports(const PublicKey& wallet, std::uint64_t lamports) {
    std::lock_guard lock(mutex_);
    SandboxAccount account = ledger_.get(wallet).value_or(SandboxAccount{});
    if (account.lamports > UINT64_MAX - lamports) {
        return fail(ErrorCode::AmountOverflow, "the balance would exceed u64", "lamports");
    }
    account.lamports += lamports;
    record_change(ledger_.put(wallet, account));
    return {};
}

Result<PublicKey> SandboxChain::airdrop_tokens(const PublicKey& wallet, const PublicKey& mint,
                                               std::uint64_t amount) {
    std::lock_guard lock(mutex_);
    auto mint_account = ledger_.get(mint);
    if (!mint_account || !mint_account->mint) {
        return fail(ErrorCode::NotFound, "no mint at " + mint.to_base58(), "mint");
    }
    auto address = solana::associated_token_address(wallet, mint);
    if (!address) return address.error();
    const PublicKey ata = address->address;
    SandboxAccount account = ledger_.get(ata).value_or(SandboxAccount{});
    if (account.token_account) {
        if (account.token_account->mint != mint || account.token_account->owner != wallet) {
            return fail(ErrorCode::Conflict, "the associated address holds another account",
                        "wallet");
        }
    } else if (account.owner != programs::kSystem || account.mint) {
        return fail(ErrorCode::Conflict, "the associated address is in use", "wallet");
    } else {
        account.lamports = std::max(account.lamports, kRentExemptTokenAccount);
        account.owner = programs::kToken;
        account.token_account = TokenAccountState{mint, wallet, 0, std::nullopt, 0, false};
    }
    MintState& supply = *mint_account->mint;
    if (supply.supply > UINT64_MAX - amount ||
        account.token_account->amount > UINT64_MAX - amount) {
        return fail(ErrorCode::AmountOverflow, "the supply would exceed u64", "amount");
    }
    supply.supply += amount;
    account.token_account->amount += amount;
    AccountUndo undo = ledger_.put(mint, *mint_account);
    AccountUndo ata_undo = ledger_.put(ata, account);
    undo.insert(undo.end(), ata_undo.begin(), ata_undo.end());
    record_change(std::move(undo));
    return ata;
}

Status SandboxChain::set_frozen(const PublicKey& token_account, bool frozen) {
    std::lock_guard lock(mutex_);
    auto account = ledger_.get(token_account);
    if (!account || !account->token_account) {
        return fail(ErrorCode::NotFound, "no token account at " + token_account.to_base58());
    }
    account->token_account->frozen = frozen;
    record_change(ledger_.put(token_account, *account));
    return {};
}

std::uint64_t SandboxChain::total_lamports() const {
    std::lock_guard lock(mutex_);
    return ledger_.total_lamports();
}

// ---- faults ------------------------------------------------------------------------------------

void SandboxChain::drop_next_broadcasts(std::size_t count) {
    std::lock_guard lock(mutex_);
    drop_next_ = count;
}

void SandboxChain::expire_blockhashes() {
    std::lock_guard lock(mutex_);
    advance_locked(kMaxBlockhashAge + 1);
}

void SandboxChain::delay_confirmation(std::uint64_t slots) {
    std::lock_guard lock(mutex_);
    confirmation_lag_ = slots;
    update_frontiers();
}

void SandboxChain::fail_next_sends(std::size_t count) {
    std::lock_guard lock(mutex_);
    fail_next_ = count;
}

}  // namespace hilt::server
