// server/payments/payment_service.h: the payment lifecycle, between the public routes, the store and the
// chain (api.md "Public checkout routes" and "Statuses").
//
// Owns: quoting a session at connect (fee split, reference key, expiry, Solana Pay URL), building the
// transaction the buyer signs, checking a signed transaction before it is broadcast, following sent
// transactions and session references on chain (rebroadcasting lost ones, retiring expired ones, finding
// late and wallet-broadcast payments) and settling a landed payment from what the chain reports.
// Must never: broadcast a transaction it has not re-parsed and checked against the quote, credit a payment
// from anything but the chain's balances, or hold the store's lock during chain I/O.
//
// Settlement happens in two places that may race: the confirm route (for one payment) and the watcher
// (every open payment, each tick). The store's conditional updates make the first to arrive win.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "chain/chain.h"
#include "crypto/sodium.h"
#include "models/checkout.h"
#include "models/handoff.h"
#include "solana/inspector.h"
#include "store/payment_store.h"
#include "store/product_store.h"

namespace hilt::server {

class Clock;
struct ServerConfig;

// Compute units the built transaction asks for: enough for every instruction it carries, so that wallets
// (Phantom) keep our budget instead of simulating and rewriting it.
inline constexpr std::uint32_t kComputeUnitsBase = 1'000;            // the two ComputeBudget instructions
inline constexpr std::uint32_t kComputeUnitsPerTransfer = 10'000;    // TransferChecked ~6.2k, System ~150
inline constexpr std::uint32_t kComputeUnitsPerCreateAccount = 40'000;  // CreateIdempotent ~22-35k
inline constexpr std::uint32_t kComputeUnitsMemo = 20'000;           // Memo v2, ~100 CU per byte, margin
// Priority fee, micro-lamports per compute unit (~0.00002 SOL at our budget): lands promptly on a busy
// cluster, negligible for the buyer.
inline constexpr std::uint64_t kPriorityMicroLamports = 20'000;
// Solana's MAX_PROCESSING_AGE: a transaction can land while block height <= its blockhash's + 150.
inline constexpr std::int64_t kBlockhashValidBlocks = 150;
// How long after a session expired the watcher still looks for its transaction on chain (late payments).
inline constexpr std::int64_t kLateWatchSeconds = 24 * 3600;
// Open payments the watcher follows per tick (newest activity first).
inline constexpr std::size_t kWatchBatch = 500;
// Signatures read per reference scan (a session normally has one).
inline constexpr std::size_t kReferenceScanLimit = 10;
// Newest signatures read per destination scan: more than the payments a merchant receives per watch tick.
inline constexpr std::size_t kDestinationScanLimit = 100;
// Destination addresses scanned per watcher tick, round robin: bounds a tick's RPC requests however many
// merchants have open sessions (the RPC backend caps requests per second; a tick must not queue behind it).
inline constexpr std::size_t kDestinationScansPerTick = 4;
// A sent transaction not seen on chain is sent again at most this often (the recipe of solana-phantom.md §5),
// and a watcher tick sends at most kResendsPerTick of them (rotating through the unseen ones), so that
// many dropped transactions cannot take the whole RPC request budget (bench/rpc_watch.mjs "unseen").
inline constexpr std::int64_t kResendIntervalMs = 2'000;
inline constexpr std::size_t kResendsPerTick = 4;
// For this long after a broadcast its payment is also followed between the watcher's ticks, every
// quick_follow_interval (about 2 s / the RPC cap: 250 ms at the default 8 requests/s), with one batched status
// request and nothing else, so a buyer sees CONFIRMED soon after the cluster does.
inline constexpr std::int64_t kQuickFollowWindowMs = 30'000;
// Signatures on a destination known not to pay any session: remembered so they are read once; the memory
// starts over past this size.
inline constexpr std::size_t kSeenSignaturesMax = 100'000;

// The unsigned legacy transaction a wallet signs (fee payer `payer`), as the transaction routes answer it.
[[nodiscard]] Result<models::TransactionResponse> unsigned_transaction(const solana::PublicKey& payer,
                                                                       std::span<const solana::Instruction> instructions,
                                                                       const LatestBlockhash& blockhash);

// A refused simulation or send as the error a buyer sees (insufficient funds and an expired blockhash by name).
[[nodiscard]] Error refusal(const Error& error);

// The programs a checkout transaction may invoke (api.md): ours plus wallet guard programs.
std::vector<solana::PublicKey> allowed_checkout_programs();

// What a transaction for this payment, paid by `payer`, must do (inspector::check_payment).
solana::PaymentExpectation payment_expectation(const PaymentRecord& payment, const solana::PublicKey& payer);

// The instructions of the transaction the buyer signs, in order: compute budget, token accounts to create
// (idempotent, funded by the buyer) when missing, the net transfer to the merchant carrying the reference,
// the fee transfer, and a memo with the payment id.
// `source_owner`: whose token account pays when the payer spends it as its delegate (a renewal: Hilt's
// delegate pays from the buyer's account); by default the payer's own.
[[nodiscard]] Result<std::vector<solana::Instruction>> payment_instructions(
    const PaymentRecord& payment, const solana::PublicKey& payer, bool create_merchant_account,
    bool create_fee_account, const std::optional<solana::PublicKey>& source_owner = std::nullopt);

// Checks a landed transaction against the quote: no error, the structure check_payment wants, and the
// balances: the merchant's account received exactly the net amount, the fee account exactly the fee.
[[nodiscard]] Status verify_landed(const PaymentRecord& payment, const ConfirmedTransaction& landed);

// Checks a landed transaction Hilt did not send for this payment (a wallet's own Solana Pay transfer, or a
// signature a buyer hands in) like Solana Pay's validateTransfer, but stricter: no error; every invoked
// program allowlisted; the session's reference among its keys; and, from the chain's balances only (raw
// integers, wherever the transfer sits among the instructions), the merchant's account — of the exact mint,
// owned by the merchant's wallet — received at least the net amount and the fee account at least the fee,
// or (a Solana Pay transfer request has one recipient) the merchant received the fee's shortfall on top of
// the net amount. Less is transaction_mismatch (never credited).
struct FoundPayment {
    std::int64_t overpaid_minor_units = 0;         // paid above the quote: credited and flagged
    std::int64_t fee_outstanding_minor_units = 0;  // the part of the fee the merchant received instead
};
[[nodiscard]] Result<FoundPayment> verify_found_transfer(const PaymentRecord& payment,
                                                         const ConfirmedTransaction& landed);

struct PaymentKeys {
    const Ed25519Keypair& receipt;
    const Ed25519Keypair& handoff;
    const solana::PublicKey& fee_wallet;
    // Hilt's renewal delegate: AUTOMATIC subscriptions approve it to pull each period's price, and it pays
    // the network fee of those pulls.
    const solana::PublicKey& renewal_delegate;
};

// Compute units of the ApproveChecked an AUTOMATIC product's first checkout carries (~2.9k).
inline constexpr std::uint32_t kComputeUnitsPerApprove = 5'000;

// The approval the first checkout of an AUTOMATIC product asks the buyer for, given the buyer's token
// account as it stands (nullopt: none yet): `periods` times the price for this subscription, on top of
// what the account already allows Hilt's delegate for other subscriptions (one delegate per account: an
// approval replaces the amount, so it must include theirs); another delegate's approval is replaced.
[[nodiscard]] Result<models::RenewalApproval> renewal_approval(const PaymentQuote& quote,
                                                              const std::optional<TokenAccountState>& source,
                                                              const solana::PublicKey& delegate,
                                                              std::int64_t periods);

// The subscription an AUTOMATIC product's landed payment starts: the buyer's token account and what the
// transaction approved Hilt's delegate for (approved false when it approved nothing, e.g. a plain transfer).
models::MembershipSubscription subscription_from(const PaymentQuote& quote, const solana::PublicKey& buyer,
                                                 const solana::PublicKey& delegate,
                                                 const ConfirmedTransaction& landed);

// Whether payments for this quote start a native subscription (AUTOMATIC renewal; SPL tokens only).
bool renews_automatically(const PaymentQuote& quote);

class PaymentService {
public:
    PaymentService(const ServerConfig& config, const Clock& clock, Chain& chain, PaymentStore& payments,
                   ProductStore& products, PaymentKeys keys);
    ~PaymentService();
    PaymentService(const PaymentService&) = delete;
    PaymentService& operator=(const PaymentService&) = delete;

    [[nodiscard]] Result<models::ConnectResponse> connect(const std::string& slug,
                                                          const models::ConnectRequest& request);
    [[nodiscard]] Result<models::HandoffResolveResponse> resolve_handoff(const std::string& token);
    // A signed link for a buyer the merchant already knows (valid until expires_in_seconds, default 1 h).
    [[nodiscard]] Result<models::HandoffLinkResponse> create_handoff_link(const std::string& merchant_id,
                                                                          const std::string& product_id,
                                                                          const models::HandoffLinkRequest& request);
    [[nodiscard]] Result<models::TransactionResponse> build_transaction(const std::string& payment_id,
                                                                        const solana::PublicKey& buyer);
    [[nodiscard]] Result<models::BroadcastResponse> broadcast(const std::string& payment_id,
                                                              const std::string& signed_base64);
    [[nodiscard]] Result<models::ConfirmResponse> confirm(const std::string& payment_id,
                                                          const std::optional<std::string>& tx_signature);
    // The buyer's read (GET /v1/payments/{id}): never the merchant's delivery_failure.
    [[nodiscard]] Result<models::Payment> status(const std::string& payment_id);
    // The session connect started, as connect answered it (status as of now): how a page opened on
    // `?payment={id}` (Phantom's in-app browser after an app switch) continues the same payment.
    [[nodiscard]] Result<models::ConnectResponse> session(const std::string& payment_id);
    // The payment as its merchant reads it (its trail), membership fields included once confirmed.
    [[nodiscard]] Result<models::Payment> api_view(const PaymentRecord& payment);

    // One pass of the watcher: expire due sessions, then follow every open payment. Returns how many
    // payments it settled.
    std::size_t watch_once();
    // Runs watch_once every `interval` on a background thread until stop_watcher().
    void start_watcher(std::chrono::milliseconds interval);
    void stop_watcher();
    // Runs the watcher's next tick now (the test clock moved: sessions expire, memberships change status).
    void poke_watcher();

    // Every sent transaction of `open`, in one batched status request: settles the landed ones that pay (all
    // in one store transaction, PaymentStore::settle_all), retires the failed and expired ones, sends the
    // unseen ones again. `landed_only`: leave the unseen ones (no block height, no re-send) to the next full
    // tick. The renewal worker follows renewals with it.
    [[nodiscard]] Result<std::size_t> follow_all_sent(const std::vector<PaymentRecord>& open,
                                                      bool landed_only = false);

private:
    // Looks at one payment's transactions and reference on chain; settles it when paid (the confirm
    // route: one buyer, one payment).
    [[nodiscard]] Result<bool> follow(const PaymentRecord& payment);
    // What a sent transaction's status means for its payment: settle, retire (failed, mismatched,
    // expired), wait, or send again. `height` is fetched once per pass, when first needed. With `batch`, a
    // landed payment's settlement is added to it (true) for the caller to settle with the others.
    [[nodiscard]] Result<bool> follow_sent(const PaymentRecord& payment, const TransactionRecord& record,
                                           const std::optional<SignatureStatus>& status,
                                           std::optional<std::uint64_t>& height,
                                           std::vector<Settlement>* batch = nullptr);
    // Between ticks: follow_all_sent(landed_only) of the payments broadcast in the last kQuickFollowWindowMs
    // that still await confirmation. Returns how many it settled.
    std::size_t follow_quickly();
    bool has_quick_follows();
    // Payments wallets sent themselves (Solana Pay) or that landed late: the new signatures on the
    // addresses open sessions pay to, matched to sessions by the reference key they carry.
    [[nodiscard]] Result<std::size_t> discover_by_destination(const std::vector<PaymentRecord>& open);
    bool resend_due(const std::string& signature);
    [[nodiscard]] Result<bool> settle_landed(const PaymentRecord& payment, const ConfirmedTransaction& landed,
                                             const FoundPayment& found = {});
    // What settling `payment` with this landed transaction writes (PaymentStore::settle).
    Settlement settlement_of(const PaymentRecord& payment, const ConfirmedTransaction& landed,
                             const FoundPayment& found = {});
    // A transaction found for `payment` (by its reference, or handed in by the buyer): settles it when it
    // pays (verify_found_transfer), records it as a mismatch of the session when it carries the
    // session's reference but does not pay, and is transaction_mismatch either way when it does not.
    [[nodiscard]] Result<bool> settle_found(const PaymentRecord& payment, const ConfirmedTransaction& landed);
    [[nodiscard]] Result<bool> consider_signature(const PaymentRecord& payment, const std::string& signature);
    models::Timestamp now() const;
    models::ConnectResponse session_view(const PaymentRecord& payment, const std::string& checkout_url,
                                         std::string transfer_url) const;

    const ServerConfig& config_;
    const Clock& clock_;
    Chain& chain_;
    PaymentStore& payments_;
    ProductStore& products_;
    PaymentKeys keys_;

    // The watcher's memory between ticks (also touched by the confirm route, hence the lock).
    std::mutex memory_mutex_;
    std::unordered_map<std::string, std::int64_t> next_resend_ms_;  // signature -> earliest resend
    std::unordered_set<std::string> seen_signatures_;               // destination signatures not ours
    std::size_t next_destination_ = 0;                              // round robin over destinations
    std::size_t next_sent_ = 0;                                     // round robin over sent transactions
    std::size_t resends_left_ = kResendsPerTick;                    // this tick's resend budget
    std::unordered_map<std::string, std::int64_t> quick_until_ms_;  // payment id -> followed quickly until

    std::mutex watcher_mutex_;
    std::condition_variable watcher_wake_;
    std::thread watcher_;
    bool watcher_stop_ = false;
    bool watcher_poked_ = false;  // a broadcast: look again at how long to wait
    bool watcher_tick_now_ = false;  // poke_watcher(): the next tick at once
};

}  // namespace hilt::server
