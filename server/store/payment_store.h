// server/store/payment_store.h: checkout sessions (payments), the transactions seen for them, and
// what confirmation writes: receipts, memberships and event rows.
//
// Owns: the PaymentStore interface any storage backend implements (SQLite:
// store/sqlite/sqlite_payment_store.h), whose state transitions are conditional updates, so that
// two requests (or a request and the confirmation watcher) racing on one payment can never both
// win: exactly one broadcast moves a session to PENDING_CONFIRMATION, exactly one settlement
// confirms it. Also the rules every backend shares: the quote's JSON, memberships after a payment,
// the receipt a settlement signs, the payment as the API shows it.
// Must never (any backend): confirm a payment twice, write a receipt or membership outside the
// transaction that confirms the payment, or let one merchant read another's rows (merchant reads
// are scoped, answering not_found). This header holds no SQL and no backend's types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "crypto/sodium.h"
#include "models/checkout.h"
#include "models/event.h"
#include "models/membership.h"
#include "models/product.h"
#include "models/receipt.h"

namespace hilt::server {

// A renewal payment's place in its subscription: the membership and the period it pays.
struct RenewalOf {
    std::string membership_id;
    std::int64_t period_index = 0;
};

// What connect quoted. Later product edits never change it ("payments already started keep the
// price they were quoted"), and confirmation reveals exactly this delivery and grants exactly these
// terms.
struct PaymentQuote {
    std::int64_t amount_minor_units = 0;
    std::int64_t merchant_amount_minor_units = 0;
    std::int64_t fee_minor_units = 0;
    std::int64_t fee_bps = 0;
    std::string asset_symbol;
    std::uint8_t decimals = 0;
    bool native = false;  // SOL: System transfers in lamports, no token accounts
    solana::PublicKey token_mint;
    solana::PublicKey merchant_wallet;
    solana::PublicKey fee_wallet;
    std::string title;
    models::DeliveryType delivery_type = models::DeliveryType::None;
    std::optional<std::string> delivery_value;
    std::optional<models::MembershipConfig> membership;  // only when enabled
    std::optional<models::CheckoutRoute> route;
    std::optional<models::Identity> identity;  // from a handoff token
    std::optional<std::string> buyer_ref;
    std::optional<std::string> handoff_token_id;
    // AUTOMATIC products: the approval the transaction handed to the buyer grants (set when it is built;
    // the signed transaction must carry exactly this ApproveChecked).
    std::optional<models::RenewalApproval> approval;
    // RENEWAL payments (pulled by Hilt's renewal delegate; the quote is the first checkout's, copied).
    std::optional<RenewalOf> renewal;
};

[[nodiscard]] Status from_json(const models::Json& json, PaymentQuote& out);
models::Json to_json(const PaymentQuote& value);

struct PaymentRecord {
    std::string payment_id;
    std::string merchant_id;
    std::string product_id;
    std::string slug;
    models::PaymentStatus status = models::PaymentStatus::PendingSignature;
    std::optional<models::FailureReason> failure_reason;
    solana::PublicKey reference;
    std::optional<solana::PublicKey> buyer_wallet;
    std::optional<std::string> tx_signature;
    bool late = false;
    std::int64_t overpaid_minor_units = 0;  // paid above the quote (found transfers only)
    // The fee paid to the merchant with the price instead of to the fee account (found transfers only).
    std::int64_t fee_outstanding_minor_units = 0;
    PaymentQuote quote;
    std::optional<models::DeliveryStatus> delivery_status;
    // Delivery recovery (POST /v1/payments/{id}/delivery): why the merchant reported the
    // delivery FAILED, and the value the merchant supplied instead of the quote's, which the buyer
    // then sees.
    std::optional<std::string> delivery_failure;
    std::optional<std::string> delivery_override;
    std::optional<std::string> membership_id;
    // The first transaction handed out (from then on the watcher follows its reference).
    std::optional<models::Timestamp> built_at;
    models::Timestamp created_at;
    models::Timestamp expires_at;
    std::optional<models::Timestamp> confirmed_at;
};

enum class TransactionState : std::uint8_t { Sent, Landed, Failed, Expired, Mismatch };
std::string_view to_string(TransactionState state);

struct TransactionRecord {
    std::string signature;
    std::string payment_id;
    Bytes wire;  // empty for transactions found on chain rather than broadcast by us
    std::int64_t expiry_height = 0;
    TransactionState state = TransactionState::Sent;
    std::optional<std::string> error;
};

enum class BroadcastStart : std::uint8_t {
    Started,         // recorded; the caller sends it now
    SameTransaction  // this transaction was already accepted for this payment (an idempotent retry)
};

// What the chain showed for a landed transaction that pays the quote.
struct Settlement {
    std::string payment_id;
    std::string tx_signature;
    solana::PublicKey buyer_wallet;
    std::int64_t slot = 0;
    bool late = false;
    std::int64_t overpaid_minor_units = 0;
    std::int64_t fee_outstanding_minor_units = 0;
    models::Timestamp confirmed_at;
    // AUTOMATIC products: the subscription the membership carries from now on (the delegate, and what the
    // landed transaction approved for it).
    std::optional<models::MembershipSubscription> subscription;
};

// A merchant's delivery recovery: exactly one of the two is set.
struct DeliveryUpdate {
    std::optional<std::string> failure;  // the delivered access does not work: FAILED, this reason
    std::optional<std::string> value;    // a new delivery value: DELIVERED again, failure cleared
};

struct PaymentListQuery {
    std::size_t limit = 20;
    std::optional<std::string> starting_after;
    std::optional<models::PaymentStatus> status;
};

struct MembershipListQuery {
    std::size_t limit = 20;
    std::optional<std::string> starting_after;
    std::optional<std::string> product_id;
};

struct EventListQuery {
    std::size_t limit = 20;
    std::optional<std::string> starting_after;
    std::optional<models::EventType> type;
};

// A renewal claimed by the worker: the period, the membership as stored, and the period's payment.
struct RenewalClaim {
    std::string membership_id;
    std::int64_t period_index = 0;
    std::int64_t attempt = 1;       // this claim's number among the period's attempts
    bool failed_before = false;     // an earlier attempt at this period failed (already announced)
    models::Membership membership;
    PaymentRecord payment;          // kind RENEWAL, PENDING_SIGNATURE
};

class PaymentStore {
public:
    virtual ~PaymentStore() = default;

    // Inserts a new session; with quote.handoff_token_id, also marks the token used (handoff_used
    // when it already started another payment), in the same store transaction.
    [[nodiscard]] virtual Status create(const PaymentRecord& payment, std::int64_t now) = 0;
    [[nodiscard]] virtual Result<PaymentRecord> get(const std::string& payment_id) = 0;
    // not_found for another merchant's payment, as for one that does not exist.
    [[nodiscard]] virtual Result<PaymentRecord> get_for_merchant(const std::string& merchant_id,
                                                                 const std::string& payment_id) = 0;
    // Newest first; starting_after must name one of this merchant's payments (invalid_value
    // otherwise).
    [[nodiscard]] virtual Result<models::ListPage<PaymentRecord>> list_for_product(
        const std::string& merchant_id, const std::string& product_id,
        const PaymentListQuery& query) = 0;
    // Is this handoff token already spent? (resolve answers 409 handoff_used)
    [[nodiscard]] virtual Result<bool> handoff_used(const std::string& token_id) = 0;

    // Binds the session to the buyer's wallet (first call) or checks it is the bound one (conflict
    // otherwise), and remembers that a transaction was handed out. `approval`: the renewal approval that
    // transaction grants (AUTOMATIC products), kept in the quote, replacing an earlier build's.
    [[nodiscard]] virtual Status bind_buyer(
        const std::string& payment_id, const solana::PublicKey& wallet, std::int64_t now,
        const std::optional<models::RenewalApproval>& approval = std::nullopt) = 0;

    // PENDING_SIGNATURE -> PENDING_CONFIRMATION with this transaction, recorded before it is sent
    // so that nothing accepted is lost if the process dies. SameTransaction for a repeat of the
    // accepted one; conflict when another transaction is already pending or the payment is over;
    // transaction_mismatch when the transaction belongs to another payment.
    [[nodiscard]] virtual Result<BroadcastStart> begin_broadcast(const std::string& payment_id,
                                                                 const std::string& signature,
                                                                 const Bytes& wire,
                                                                 std::int64_t expiry_height,
                                                                 std::int64_t now) = 0;
    // The chain refused the transaction as sent: forget it and reopen the session (if still pending
    // on it).
    [[nodiscard]] virtual Status abort_broadcast(const std::string& payment_id,
                                                 const std::string& signature) = 0;
    // A transaction that failed on chain or expired unlanded: mark it, and reopen the session for a
    // new one (or end it as FAILED with `reason_if_over` when its time is up, with a payment.failed
    // event). Returns the payment's new state; conflict when the transaction is no longer SENT.
    [[nodiscard]] virtual Result<PaymentRecord> retire_transaction(
        const std::string& signature, TransactionState state, const std::string& error,
        models::FailureReason reason_if_over, std::int64_t now) = 0;
    // A transaction found on chain by the session's reference that does not pay the quote: kept,
    // never ignored, never credited.
    [[nodiscard]] virtual Status record_mismatch(const std::string& payment_id,
                                                 const std::string& signature,
                                                 const std::string& error, std::int64_t now) = 0;
    [[nodiscard]] virtual Result<std::vector<TransactionRecord>> transactions_of(
        const std::string& payment_id) = 0;
    [[nodiscard]] virtual Result<std::optional<TransactionRecord>> find_transaction(
        const std::string& signature) = 0;
    // The payment whose session reference key is `reference`, in any status.
    [[nodiscard]] virtual Result<std::optional<PaymentRecord>> find_by_reference(
        const solana::PublicKey& reference) = 0;

    // PENDING_SIGNATURE sessions past expires_at -> FAILED (EXPIRED), each with a payment.failed
    // event. Returns the ids ended.
    [[nodiscard]] virtual Result<std::vector<std::string>> expire_due(std::int64_t now) = 0;
    // Checkout payments the watcher follows, newest activity first: every PENDING_CONFIRMATION and
    // PENDING_SIGNATURE one (a wallet may pay a Solana Pay link without Hilt building anything), and
    // those FAILED (EXPIRED) less than `late_window_seconds` ago (late payments). Renewals are the
    // renewal worker's (renewals_in_flight).
    [[nodiscard]] virtual Result<std::vector<PaymentRecord>> watch_list(
        std::int64_t now, std::int64_t late_window_seconds, std::size_t limit) = 0;

    // Confirms the payment, in one store transaction: status, the transaction row, delivery, the
    // receipt (confirmation_receipt, signed with `receipt_key`), the membership (next_membership:
    // created, extended or reactivated) and an event row per webhook. false when it was already
    // CONFIRMED (nothing written): exactly one settlement wins.
    [[nodiscard]] virtual Result<bool> settle(const Settlement& settlement,
                                              const Ed25519Keypair& receipt_key) = 0;
    // settle() for each of `settlements` in one store transaction (one commit for a watcher or renewal pass's
    // batch), each one's outcome in order: one that fails leaves nothing of its own and does not stop the
    // others. An error as a whole when the transaction cannot begin or commit (then nothing was settled).
    [[nodiscard]] virtual Result<std::vector<Result<bool>>> settle_all(const std::vector<Settlement>& settlements,
                                                                       const Ed25519Keypair& receipt_key) = 0;
    // Delivery recovery on one of this merchant's CONFIRMED payments, in one store transaction: a
    // failure (delivery_status FAILED, the reason kept, a delivery.failed event) or a new value
    // (delivery_status DELIVERED, the failure cleared). Returns the payment after. not_found for
    // another merchant's payment; payment_not_confirmed unless CONFIRMED; delivery_not_required
    // when its delivery_type is NONE. The caller checks a new value against the delivery_type.
    [[nodiscard]] virtual Result<PaymentRecord> update_delivery(const std::string& merchant_id,
                                                                const std::string& payment_id,
                                                                const DeliveryUpdate& update,
                                                                std::int64_t now) = 0;

    [[nodiscard]] virtual Result<models::Receipt> receipt_for(const std::string& merchant_id,
                                                              const std::string& payment_id) = 0;
    // A receipt by its id; not_found for another merchant's, as for one that does not exist.
    [[nodiscard]] virtual Result<models::Receipt> receipt_by_id(const std::string& merchant_id,
                                                                const std::string& receipt_id) = 0;
    // Any merchant's receipt by its id: the public verification route compares a presented
    // receipt with it (and answers only whether they match, never the stored one).
    [[nodiscard]] virtual Result<models::Receipt> receipt(const std::string& receipt_id) = 0;
    // Any merchant's membership (the public payment status shows its status and period end).
    [[nodiscard]] virtual Result<models::Membership> membership(
        const std::string& membership_id) = 0;
    [[nodiscard]] virtual Result<models::Membership> membership_for(
        const std::string& merchant_id, const std::string& membership_id) = 0;
    // Newest first; starting_after must name one of this merchant's memberships.
    [[nodiscard]] virtual Result<models::ListPage<models::Membership>> list_memberships(
        const std::string& merchant_id, const MembershipListQuery& query) = 0;
    // The membership lifecycle's announcements: a membership whose status now (membership_status_at) moved on
    // from the one last announced gets membership.grace_started (ACTIVE -> GRACE) or membership.expired (-> EXPIRED),
    // once, in the transaction that records the change; one renewed back to ACTIVE is simply recorded. At most
    // `limit` memberships; returns how many events were written.
    [[nodiscard]] virtual Result<std::size_t> announce_membership_changes(std::int64_t now, std::size_t limit) = 0;

    // ---- subscription renewals (one row per membership and period; see migration 10) ----
    // Claims the renewals to attempt at `now`, earliest first, at most `limit`, of memberships still short of
    // their grace period's end: rows due (DUE, or FAILED whose retry time came), and rows claimed before whose
    // lease ran out with no transaction in flight (never sent, or the one sent was retired). Creates the
    // period's RENEWAL payment at the first claim (the quote copied from the membership's last payment, valid
    // until the grace period ends) and leases each row for `lease_seconds`, so no other pass takes it.
    [[nodiscard]] virtual Result<std::vector<RenewalClaim>> claim_renewals(std::int64_t now,
                                                                           std::int64_t lease_seconds,
                                                                           std::size_t limit) = 0;
    // A claimed renewal that cannot be pulled: FAILED until `next_attempt_at` (nullopt: no retry before
    // the grace period ends), the reason in the membership's subscription.last_failure, and for the
    // period's first failure membership.renewal_failed, in one store transaction.
    [[nodiscard]] virtual Status record_renewal_failure(const RenewalClaim& claim,
                                                        models::RenewalFailureReason reason,
                                                        std::optional<models::Timestamp> next_attempt_at,
                                                        std::int64_t now) = 0;
    // begin_broadcast for a claimed renewal, recording in the same store transaction the allowance its pull
    // draws on (the token account's delegated amount less what the same pass already pulled from it), which
    // its settlement compares with the price (allowance_low_after, membership.allowance_low).
    [[nodiscard]] virtual Result<BroadcastStart> begin_renewal_broadcast(const RenewalClaim& claim,
                                                                         const std::string& signature,
                                                                         const Bytes& wire,
                                                                         std::int64_t expiry_height,
                                                                         std::int64_t allowance_minor_units,
                                                                         std::int64_t now) = 0;
    // RENEWAL payments with a transaction awaiting confirmation, oldest first.
    [[nodiscard]] virtual Result<std::vector<PaymentRecord>> renewals_in_flight(std::size_t limit) = 0;
    // A membership by id alone (the buyer's manage routes; the caller has checked the manage token), with
    // its merchant. not_found when unknown.
    [[nodiscard]] virtual Result<std::pair<std::string, models::Membership>> find_membership(
        const std::string& membership_id) = 0;
    // The memberships whose subscription pulls from this token account.
    [[nodiscard]] virtual Result<std::vector<models::Membership>> memberships_on_token_account(
        const solana::PublicKey& token_account) = 0;
    // The buyer approved more renewals (manage page): the subscription's approval is recorded and a
    // failed renewal is retried at `retry_at` rather than on its schedule.
    [[nodiscard]] virtual Result<models::Membership> record_reapproval(const std::string& membership_id,
                                                                       std::int64_t allowance_minor_units,
                                                                       std::int64_t periods, std::int64_t retry_at,
                                                                       std::int64_t now) = 0;
    // Cancels one of the merchant's memberships (cancelled_membership) and, in the same store transaction,
    // abandons its renewal unless a pull is already in flight (it cannot be recalled; if it lands it
    // settles and the cancellation takes effect at that period's end), and writes membership.cancelled.
    // not_found for another merchant's or an unknown id; conflict once it has lapsed. A second cancel
    // answers the membership as it is and writes nothing.
    [[nodiscard]] virtual Result<models::Membership> cancel_membership(const std::string& merchant_id,
                                                                       const std::string& membership_id,
                                                                       models::CancellationSource source,
                                                                       bool at_period_end, std::int64_t now) = 0;
    // A merchant's events, newest first (webhook delivery and GET /v1/events arrive with a later
    // issue).
    [[nodiscard]] virtual Result<std::vector<models::Event>> events_for(
        const std::string& merchant_id, std::size_t limit) = 0;
    // GET /v1/events: newest first, optionally of one type; starting_after must name one of this merchant's
    // events.
    [[nodiscard]] virtual Result<models::ListPage<models::Event>> list_events(const std::string& merchant_id,
                                                                            const EventListQuery& query) = 0;
    // One event; not_found for another merchant's, as for one that does not exist.
    [[nodiscard]] virtual Result<models::Event> event_for(const std::string& merchant_id,
                                                          const std::string& event_id) = 0;
};

// An AUTOMATIC membership's renewal is pulled this long before its period ends, so that a renewal that
// goes through never lets the membership fall into grace.
inline constexpr std::int64_t kRenewalLeadSeconds = 3600;

// When the renewal of a period ending at `period_end` falls due.
inline models::Timestamp renewal_due_at(models::Timestamp period_end) {
    return models::Timestamp{period_end.unix_seconds - kRenewalLeadSeconds};
}

// membership.allowance_low warns when a renewal leaves the buyer's delegated allowance covering fewer renewals
// than this: the buyer has at least one period to approve more.
inline constexpr std::int64_t kAllowanceLowRenewals = 2;

// What a renewal's pull left of the delegated allowance it drew on (membership.allowance_low's `allowance`).
struct AllowanceLeft {
    std::int64_t delegated_minor_units = 0;  // the allowance the pull drew on, less its price
    std::int64_t renewals_covered = 0;       // renewals of this subscription's price it still covers
};

// The allowance a renewal of `price` left, when this renewal is where it fell below kAllowanceLowRenewals
// renewals: it covers fewer now, and covered at least that many before this pull or after the subscription's
// previous one (`left_by_previous`; the buyer's other subscriptions on the account may have spent it since).
// nullopt otherwise, and when `available` (the allowance the pull drew on) is unknown.
std::optional<AllowanceLeft> allowance_low_after(std::optional<std::int64_t> available, std::int64_t price,
                                                 std::optional<std::int64_t> left_by_previous);

// The member a membership belongs to: the handoff identity when the session has one, else the
// wallet.
std::string member_key(const PaymentRecord& payment, const solana::PublicKey& buyer_wallet);

// The membership after this payment: a new one, or `existing` extended (still running: its end
// moves by one interval) or reactivated (lapsed: a new period from now). Grace runs
// grace_period_days past the end.
models::Membership next_membership(const std::optional<models::Membership>& existing,
                                   const PaymentRecord& payment,
                                   const solana::PublicKey& buyer_wallet,
                                   std::string new_membership_id, models::Timestamp now);

// ACTIVE until the period end, GRACE until the grace end, then EXPIRED (CANCELLED stays CANCELLED). A
// cancelled membership is CANCELLED at once, or at its period end (at_period_end), with no grace.
// The membership after its merchant or buyer cancels it at `now`; nullopt when it cannot be (it has lapsed).
// Cancelling twice keeps the first cancellation.
std::optional<models::Membership> cancelled_membership(const models::Membership& membership,
                                                       models::CancellationSource source, bool at_period_end,
                                                       models::Timestamp now);

models::MembershipStatus membership_status_at(const models::Membership& membership,
                                              models::Timestamp now);

// The receipt that confirms `payment` with what the chain showed, signed with `receipt_key`.
models::Receipt confirmation_receipt(const PaymentRecord& payment, const Settlement& settlement,
                                     std::string receipt_id, const Ed25519Keypair& receipt_key);

// The payment as the API shows it at `now`: a pending session past expires_at reads FAILED
// (EXPIRED); delivery and membership fields only once CONFIRMED.
models::Payment to_api_payment(const PaymentRecord& payment,
                               const std::optional<models::Membership>& membership,
                               models::Timestamp now);

}  // namespace hilt::server
