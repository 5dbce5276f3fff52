// server/payments/renewal_worker.h: native subscription renewals (issue 7). At each period's end an
// AUTOMATIC membership's price is pulled from the buyer's token account by Hilt's renewal delegate, which the
// first checkout approved (SPL Token delegation), with Hilt paying the network fee; the pull is confirmed and
// settled like any payment (PaymentService::follow_all_sent, PaymentStore::settle), which extends the
// membership and schedules the next period.
//
// Owns: one pass over the due renewals: claim them (PaymentStore::claim_renewals), read their token
// accounts in one batch, record the ones that cannot be pulled (insufficient funds, allowance used up,
// delegate revoked, account closed or frozen) with a retry time, build, sign, record and send the others,
// then follow the renewals in flight.
// Must never: send a renewal before it is recorded (a crash then resends the same bytes, never a second
// pull), build a second transaction for a period while one can still land, or attempt a membership past
// its grace period.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

#include "chain/chain.h"
#include "crypto/sodium.h"
#include "store/payment_store.h"

namespace hilt::server {

class Clock;
class PaymentService;

// Renewals claimed per pass, and in-flight renewals followed per pass. A pass that claims or settles this many
// is followed by the next one at once (more may be waiting); any other waits for the interval or a poke.
inline constexpr std::size_t kRenewalBatch = 256;
// How long a pass owns a claimed renewal before another may take it (only until it is recorded as sent).
inline constexpr std::int64_t kRenewalLeaseSeconds = 60;
// What one renewal costs its fee payer, the delegate, in lamports: the signature (5,000) and the priority
// fee (~820 at kPriorityMicroLamports), with margin. A pass sends only while the delegate's SOL, read with
// the token accounts, covers this per renewal; the rest wait (their leases lapse) and the worker reports
// itself paused (GET /v1/health: renewals_paused) until someone funds the delegate.
inline constexpr std::uint64_t kRenewalFeeLamports = 10'000;

// When a failed renewal is tried again: 1 h, 6 h, then daily, never later than 5 minutes before the grace
// period ends; nullopt when no retry fits before it.
std::optional<models::Timestamp> renewal_retry_at(std::int64_t attempt, std::int64_t now,
                                                  std::optional<models::Timestamp> grace_end);

// Why this token account cannot pay one renewal of `price` through `delegate` now (nullopt: it can).
std::optional<models::RenewalFailureReason> renewal_obstacle(const std::optional<AccountState>& account,
                                                             const solana::PublicKey& delegate,
                                                             std::uint64_t price);

class RenewalWorker {
public:
    // `batch`: renewals claimed, and in-flight ones followed, per pass (kRenewalBatch; tests lower it).
    RenewalWorker(const Clock& clock, Chain& chain, PaymentStore& payments, PaymentService& service,
                  const Ed25519Keypair& delegate_key, std::size_t batch = kRenewalBatch);
    ~RenewalWorker();
    RenewalWorker(const RenewalWorker&) = delete;
    RenewalWorker& operator=(const RenewalWorker&) = delete;

    struct Pass {
        std::size_t claimed = 0;
        std::size_t sent = 0;
        std::size_t failed = 0;   // could not be pulled; retried later
        std::size_t settled = 0;  // renewals confirmed by this pass's follow-up
        bool full = false;        // a full batch claimed or settled: the next pass runs at once
        bool paused = false;      // the delegate's SOL could not pay another renewal's fee: some were not sent
    };
    // One pass: claim, check, send, follow.
    [[nodiscard]] Result<Pass> run_once();

    // Runs run_once on a background thread until stop(): again at once after a full pass, else after `interval`
    // or when poked. stop() waits for the pass under way, never for the next.
    void start(std::chrono::milliseconds interval);
    void stop();
    // Look now (the test clock moved, or a buyer acted).
    void poke();
    // Whether the last pass that had renewals due left some unsent for want of the delegate's SOL.
    bool paused() const { return paused_.load(); }

private:
    // Builds, records (with `allowance`, the delegated amount its pull draws on) and sends one claimed
    // renewal; false when it could not be recorded or was refused.
    [[nodiscard]] Result<bool> send_one(const RenewalClaim& claim, const LatestBlockhash& blockhash,
                                        std::uint64_t allowance);

    const Clock& clock_;
    Chain& chain_;
    PaymentStore& payments_;
    PaymentService& service_;
    const Ed25519Keypair& delegate_key_;
    solana::PublicKey delegate_;
    std::size_t batch_;
    std::atomic<bool> paused_{false};

    std::mutex mutex_;
    std::condition_variable wake_;
    std::thread thread_;
    bool stopping_ = false;
    bool poked_ = false;
};

}  // namespace hilt::server
