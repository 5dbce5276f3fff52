// server/payments/renewal_worker.cpp: native subscription renewals (see renewal_worker.h).
#include "payments/renewal_worker.h"

#include <algorithm>
#include <array>
#include <iostream>
#include <limits>
#include <map>

#include "app.h"
#include "payments/payment_service.h"
#include "solana/transaction.h"

namespace hilt::server {

namespace {

constexpr std::array<std::int64_t, 3> kRetryDelaySeconds{3'600, 6 * 3'600, 24 * 3'600};
constexpr std::int64_t kLastRetryBeforeGraceEndSeconds = 300;

}  // namespace

std::optional<models::Timestamp> renewal_retry_at(std::int64_t attempt, std::int64_t now,
                                                  std::optional<models::Timestamp> grace_end) {
    const auto index = static_cast<std::size_t>(std::clamp<std::int64_t>(attempt, 1, kRetryDelaySeconds.size()) - 1);
    auto at = now + kRetryDelaySeconds[index];
    if (grace_end) {
        const auto last = grace_end->unix_seconds - kLastRetryBeforeGraceEndSeconds;
        if (last <= now) return std::nullopt;
        at = std::min(at, last);
    }
    return models::Timestamp{at};
}

std::optional<models::RenewalFailureReason> renewal_obstacle(const std::optional<AccountState>& account,
                                                             const solana::PublicKey& delegate,
                                                             std::uint64_t price) {
    using Reason = models::RenewalFailureReason;
    if (!account || !account->token_account) return Reason::TokenAccountClosed;
    const auto& token = *account->token_account;
    if (token.frozen) return Reason::AccountFrozen;
    if (token.delegate != delegate) return Reason::DelegateRevoked;
    if (token.delegated_amount < price) return Reason::AllowanceExhausted;
    if (token.amount < price) return Reason::InsufficientFunds;
    return std::nullopt;
}

RenewalWorker::RenewalWorker(const Clock& clock, Chain& chain, PaymentStore& payments, PaymentService& service,
                             const Ed25519Keypair& delegate_key, std::size_t batch)
    : clock_(clock),
      chain_(chain),
      payments_(payments),
      service_(service),
      delegate_key_(delegate_key),
      delegate_(solana::PublicKey::from_bytes(delegate_key.public_key)),
      batch_(std::max<std::size_t>(1, batch)) {}

RenewalWorker::~RenewalWorker() { stop(); }

Result<RenewalWorker::Pass> RenewalWorker::run_once() {
    Pass pass;
    const auto now = clock_.now_seconds();
    auto claims = payments_.claim_renewals(now, kRenewalLeaseSeconds, batch_);
    if (!claims) return claims.error();
    pass.claimed = claims->size();
    if (!claims->empty()) {
        std::vector<solana::PublicKey> sources;
        sources.reserve(claims->size());
        for (const auto& claim : *claims) {
            if (!claim.membership.subscription) {
                return fail(ErrorCode::Internal, "membership " + claim.membership_id + " has no subscription to renew");
            }
            sources.push_back(claim.membership.subscription->token_account);
        }
        // One read for the batch, the delegate (fee payer) last; on failure the leases lapse and a later pass
        // claims them again.
        sources.push_back(delegate_);
        auto accounts = chain_.accounts(sources, Commitment::Confirmed);
        if (!accounts) return accounts.error();
        const auto& payer = accounts->back();
        std::uint64_t fee_budget = payer ? payer->lamports : 0;
        std::optional<LatestBlockhash> blockhash;
        // Several subscriptions of one buyer share the account's balance and allowance: what this pass
        // already pulled from each account counts.
        std::map<std::string, std::uint64_t> pulled;
        for (std::size_t i = 0; i < claims->size(); ++i) {
            const auto& claim = (*claims)[i];
            const auto price = static_cast<std::uint64_t>(claim.payment.quote.amount_minor_units);
            auto account = (*accounts)[i];
            auto& taken = pulled[sources[i].to_base58()];
            if (account && account->token_account) {
                auto& token = *account->token_account;
                token.amount -= std::min(token.amount, taken);
                token.delegated_amount -= std::min(token.delegated_amount, taken);
            }
            if (auto reason = renewal_obstacle(account, delegate_, price)) {
                const auto retry = renewal_retry_at(claim.attempt, now, claim.membership.grace_period_end_at);
                HILT_TRY(payments_.record_renewal_failure(claim, *reason, retry, now));
                ++pass.failed;
                continue;
            }
            if (fee_budget < kRenewalFeeLamports) {
                pass.paused = true;  // not sent: claimed again once the lease lapses
                continue;
            }
            fee_budget -= kRenewalFeeLamports;
            if (!blockhash) {
                auto latest = chain_.latest_blockhash(Commitment::Confirmed);
                if (!latest) return latest.error();
                blockhash = *latest;
            }
            const auto available = account->token_account->delegated_amount;
            auto sent = send_one(claim, *blockhash, available);
            if (!sent) return sent.error();
            if (*sent) {
                taken += price;
                ++pass.sent;
            }
        }
    }
    if (!claims->empty()) {
        if (pass.paused && !paused_.load()) {
            std::cerr << "hiltd renewals: paused: the renewal delegate " << delegate_.to_base58()
                      << " cannot pay the network fee of the renewals due (" << kRenewalFeeLamports
                      << " lamports each); fund it with SOL\n";
        } else if (!pass.paused && paused_.load()) {
            std::cerr << "hiltd renewals: resumed: the renewal delegate can pay fees again\n";
        }
        paused_.store(pass.paused);
    }
    auto in_flight = payments_.renewals_in_flight(batch_);
    if (!in_flight) return in_flight.error();
    if (!in_flight->empty()) {
        auto settled = service_.follow_all_sent(*in_flight);
        if (!settled) return settled.error();
        pass.settled = *settled;
    }
    // A paused pass leaves its claims leased: looping at once would find nothing to claim.
    pass.full = !pass.paused && (pass.claimed >= batch_ || pass.settled >= batch_);
    return pass;
}

Result<bool> RenewalWorker::send_one(const RenewalClaim& claim, const LatestBlockhash& blockhash,
                                     std::uint64_t allowance) {
    const auto& payment = claim.payment;
    auto instructions = payment_instructions(payment, delegate_, false, false, payment.buyer_wallet);
    if (!instructions) return instructions.error();
    auto message = solana::compile_message(delegate_, *instructions, blockhash.blockhash);
    if (!message) return message.error();
    auto transaction = solana::make_unsigned_transaction(std::move(*message));
    if (!transaction) return transaction.error();
    const Ed25519Keypair* signers[] = {&delegate_key_};
    HILT_TRY(solana::sign_transaction(*transaction, signers));
    auto wire = solana::serialize_transaction(*transaction);
    if (!wire) return wire.error();
    const auto signature = solana::transaction_id(*transaction);
    // Recorded before it is sent: after a crash the follow-up sends these same bytes, never new ones.
    const auto recorded_allowance = static_cast<std::int64_t>(
        std::min<std::uint64_t>(allowance, std::numeric_limits<std::int64_t>::max()));
    auto started = payments_.begin_renewal_broadcast(claim, signature, *wire,
                                                     static_cast<std::int64_t>(blockhash.last_valid_block_height),
                                                     recorded_allowance, clock_.now_seconds());
    if (!started) return started.error();
    auto sent = chain_.send(*wire);
    if (sent || rejection_name(sent.error()) == "AlreadyProcessed" ||
        sent.error().code == ErrorCode::ChainUnavailable) {
        return true;  // accepted, or the follow-up sends it again
    }
    // Refused as sent (e.g. the delegate has no SOL for the fee): nothing can land; a later pass retries.
    std::cerr << "hiltd renewals: " << payment.payment_id << ": " << describe(sent.error()) << "\n";
    HILT_TRY(payments_.abort_broadcast(payment.payment_id, signature));
    return false;
}

void RenewalWorker::start(std::chrono::milliseconds interval) {
    stop();
    {
        std::lock_guard lock(mutex_);
        stopping_ = false;
    }
    thread_ = std::thread([this, interval] {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            lock.unlock();
            auto pass = run_once();
            if (!pass) std::cerr << "hiltd renewals: " << describe(pass.error()) << "\n";
            lock.lock();
            // After a full pass more may be due (10,000 at once is 40 passes): no wait, but a stop still ends it.
            if (!pass || !pass->full) wake_.wait_for(lock, interval, [this] { return stopping_ || poked_; });
            poked_ = false;
        }
    });
}

void RenewalWorker::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void RenewalWorker::poke() {
    {
        std::lock_guard lock(mutex_);
        poked_ = true;
    }
    wake_.notify_all();
}

}  // namespace hilt::server
