// server/store/sqlite/sqlite_payment_store.h: PaymentStore on SQLite (tables payments,
// payment_transactions, handoff_uses, receipts, memberships, events). Each transition is one
// BEGIN IMMEDIATE transaction whose UPDATE is conditional on the state it leaves.
// Must never: run SQL without holding the shared connection's mutex.
#pragma once

#include <mutex>

#include "store/payment_store.h"
#include "store/sqlite/database.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/read_pool.h"

namespace hilt::server {

class SqlitePaymentStore final : public PaymentStore {
public:
    // The store shares one connection with the rest of hiltd; `mutex` serialises access to it.
    // The public reads (get: status polls; membership; receipt: verification) use `reads`.
    SqlitePaymentStore(Database& db, std::mutex& mutex, ReadPool& reads)
        : db_(db), mutex_(mutex), reads_(reads), group_commit_(db, mutex) {}

    [[nodiscard]] Status create(const PaymentRecord& payment, std::int64_t now) override;
    [[nodiscard]] Result<PaymentRecord> get(const std::string& payment_id) override;
    [[nodiscard]] Result<PaymentRecord> get_for_merchant(const std::string& merchant_id,
                                                         const std::string& payment_id) override;
    [[nodiscard]] Result<models::ListPage<PaymentRecord>> list_for_product(
        const std::string& merchant_id, const std::string& product_id,
        const PaymentListQuery& query) override;
    [[nodiscard]] Result<bool> handoff_used(const std::string& token_id) override;
    [[nodiscard]] Result<std::optional<PaymentRecord>> find_by_reference(
        const solana::PublicKey& reference) override;
    [[nodiscard]] Status bind_buyer(const std::string& payment_id, const solana::PublicKey& wallet,
                                    std::int64_t now,
                                    const std::optional<models::RenewalApproval>& approval) override;
    [[nodiscard]] Result<BroadcastStart> begin_broadcast(const std::string& payment_id,
                                                         const std::string& signature,
                                                         const Bytes& wire,
                                                         std::int64_t expiry_height,
                                                         std::int64_t now) override;
    [[nodiscard]] Status abort_broadcast(const std::string& payment_id,
                                         const std::string& signature) override;
    [[nodiscard]] Result<PaymentRecord> retire_transaction(const std::string& signature,
                                                           TransactionState state,
                                                           const std::string& error,
                                                           models::FailureReason reason_if_over,
                                                           std::int64_t now) override;
    [[nodiscard]] Status record_mismatch(const std::string& payment_id,
                                         const std::string& signature, const std::string& error,
                                         std::int64_t now) override;
    [[nodiscard]] Result<std::vector<TransactionRecord>> transactions_of(
        const std::string& payment_id) override;
    [[nodiscard]] Result<std::optional<TransactionRecord>> find_transaction(
        const std::string& signature) override;
    [[nodiscard]] Result<std::vector<std::string>> expire_due(std::int64_t now) override;
    [[nodiscard]] Result<std::vector<PaymentRecord>> watch_list(std::int64_t now,
                                                                std::int64_t late_window_seconds,
                                                                std::size_t limit) override;
    [[nodiscard]] Result<bool> settle(const Settlement& settlement,
                                      const Ed25519Keypair& receipt_key) override;
    [[nodiscard]] Result<std::vector<Result<bool>>> settle_all(const std::vector<Settlement>& settlements,
                                                               const Ed25519Keypair& receipt_key) override;
    [[nodiscard]] Result<PaymentRecord> update_delivery(const std::string& merchant_id,
                                                        const std::string& payment_id,
                                                        const DeliveryUpdate& update,
                                                        std::int64_t now) override;
    [[nodiscard]] Result<models::Receipt> receipt_for(const std::string& merchant_id,
                                                      const std::string& payment_id) override;
    [[nodiscard]] Result<models::Receipt> receipt_by_id(const std::string& merchant_id,
                                                        const std::string& receipt_id) override;
    [[nodiscard]] Result<models::Receipt> receipt(const std::string& receipt_id) override;
    [[nodiscard]] Result<models::Membership> membership(const std::string& membership_id) override;
    [[nodiscard]] Result<models::Membership> membership_for(
        const std::string& merchant_id, const std::string& membership_id) override;
    [[nodiscard]] Result<models::ListPage<models::Membership>> list_memberships(
        const std::string& merchant_id, const MembershipListQuery& query) override;
    [[nodiscard]] Result<std::size_t> announce_membership_changes(std::int64_t now, std::size_t limit) override;
    [[nodiscard]] Result<std::vector<RenewalClaim>> claim_renewals(std::int64_t now, std::int64_t lease_seconds,
                                                                   std::size_t limit) override;
    [[nodiscard]] Status record_renewal_failure(const RenewalClaim& claim, models::RenewalFailureReason reason,
                                                std::optional<models::Timestamp> next_attempt_at,
                                                std::int64_t now) override;
    [[nodiscard]] Result<BroadcastStart> begin_renewal_broadcast(const RenewalClaim& claim,
                                                                 const std::string& signature, const Bytes& wire,
                                                                 std::int64_t expiry_height,
                                                                 std::int64_t allowance_minor_units,
                                                                 std::int64_t now) override;
    [[nodiscard]] Result<std::vector<PaymentRecord>> renewals_in_flight(std::size_t limit) override;
    [[nodiscard]] Result<std::pair<std::string, models::Membership>> find_membership(
        const std::string& membership_id) override;
    [[nodiscard]] Result<std::vector<models::Membership>> memberships_on_token_account(
        const solana::PublicKey& token_account) override;
    [[nodiscard]] Result<models::Membership> record_reapproval(const std::string& membership_id,
                                                               std::int64_t allowance_minor_units,
                                                               std::int64_t periods, std::int64_t retry_at,
                                                               std::int64_t now) override;
    [[nodiscard]] Result<models::Membership> cancel_membership(const std::string& merchant_id,
                                                               const std::string& membership_id,
                                                               models::CancellationSource source,
                                                               bool at_period_end, std::int64_t now) override;
    [[nodiscard]] Result<std::vector<models::Event>> events_for(const std::string& merchant_id,
                                                                std::size_t limit) override;
    [[nodiscard]] Result<models::ListPage<models::Event>> list_events(const std::string& merchant_id,
                                                                    const EventListQuery& query) override;
    [[nodiscard]] Result<models::Event> event_for(const std::string& merchant_id,
                                                  const std::string& event_id) override;

private:
    [[nodiscard]] Result<PaymentRecord> get_locked(const std::string& payment_id);
    // settle()'s writes, inside the caller's transaction.
    [[nodiscard]] Result<bool> settle_locked(const Settlement& settlement, const Ed25519Keypair& receipt_key);
    // begin_broadcast's writes, inside the caller's transaction (committed only when Started).
    [[nodiscard]] Result<BroadcastStart> begin_broadcast_locked(const std::string& payment_id,
                                                                const std::string& signature, const Bytes& wire,
                                                                std::int64_t expiry_height, std::int64_t now);
    // A settled renewal's membership.allowance_low, when its pull left the allowance low (allowance_low_after).
    [[nodiscard]] Result<std::optional<AllowanceLeft>> allowance_low_locked(const RenewalOf& renewal,
                                                                            std::int64_t price);
    [[nodiscard]] static Result<PaymentRecord> get_from(Database& db, const std::string& payment_id);
    [[nodiscard]] Status add_event_locked(const std::string& merchant_id, models::EventType type,
                                          const models::Json& data, std::int64_t now);
    [[nodiscard]] Result<RenewalClaim> claim_one_locked(RenewalClaim claim, const std::string& merchant_id,
                                                        std::optional<std::string> payment_id,
                                                        std::int64_t now, std::int64_t lease_seconds);
    [[nodiscard]] Status write_membership_locked(const models::Membership& membership, std::int64_t now);
    [[nodiscard]] Status schedule_renewal_locked(const models::Membership& membership,
                                                 const std::string& merchant_id, std::int64_t now);
    Database& db_;
    std::mutex& mutex_;
    ReadPool& reads_;
    GroupCommit group_commit_;  // for create(): connects arrive in bursts
};

}  // namespace hilt::server
