// shared/models/checkout.h: the buyer-facing wire shapes of the public checkout routes (api.md "Public
// checkout routes"), as the checkout state machine (shared/flow) and hiltd both read and write them.
//
// Owns: PublicCheckout (GET /v1/products/p/{slug}), ConnectRequest/ConnectResponse (POST …/connect),
// Payment (GET /v1/payments/{id}), TransactionRequest/Response, BroadcastRequest/Response,
// ConfirmRequest/ConfirmResponse, HandoffResolveRequest/Response.
// Must never: carry a product's delivery_value or metadata in PublicCheckout, or an identity's value in
// HandoffResolveResponse; delivery fields of Payment are only meaningful once CONFIRMED.
//
// Each type has from_json/to_json (see common.h for the conventions); parse with models::parse<T>(text).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/common.h"
#include "models/identity.h"
#include "models/json_reader.h"
#include "solana/pubkey.h"

namespace hilt::models {

using solana::PublicKey;

inline constexpr std::size_t kMaxTitleChars = 120;         // api.md
inline constexpr std::size_t kMaxDescriptionChars = 2000;  // api.md
inline constexpr std::size_t kMaxAssetSymbolChars = 10;    // "USDC", "SOL"; room for others
inline constexpr std::uint8_t kMaxDecimals = 18;           // no SPL mint goes beyond 9; 10^18 < 2^63
inline constexpr std::size_t kMaxLabelChars = 80;          // one button label
inline constexpr std::size_t kMaxIdentityConnectActions = 8;  // one per platform, with margin
inline constexpr std::size_t kMaxHandoffTokenBytes = 4096;    // a signed claims set, base64url
inline constexpr std::size_t kMaxTransactionBase64Bytes = 1644;  // base64 of a 1232-byte packet
inline constexpr std::size_t kSignatureBytes = 64;            // ed25519 signature (tx_signature)
inline constexpr std::size_t kMaxDeliveryValueChars = 2000;   // a MESSAGE as long as a description
inline constexpr std::size_t kMaxDeliveryFailureChars = 500;  // why a delivery failed, one line
inline constexpr std::size_t kMaxBuyerRefChars = 200;         // a merchant's own buyer reference
inline constexpr std::int64_t kMaxAllowancePeriods = 36;      // renewals one approval may cover

// ---- GET /v1/products/p/{slug} ----------------------------------------------------------------------

// A platform-native "connect your account" action the checkout may offer (checkout_config.identity_connect).
struct IdentityConnect {
    Platform platform = Platform::Web;
    IdentityType identity_type = IdentityType::Wallet;
    std::string label;  // button text, 1..kMaxLabelChars
    std::string url;    // https URL that starts the platform's connect flow

    friend bool operator==(const IdentityConnect&, const IdentityConnect&) = default;
};

struct CheckoutConfig {
    CheckoutRoute default_route = CheckoutRoute::PhantomExtension;
    std::string payment_asset;  // asset label shown in checkout, e.g. "USDC"
    std::vector<IdentityConnect> identity_connect;  // always written, possibly []

    friend bool operator==(const CheckoutConfig&, const CheckoutConfig&) = default;
};

// The buyer-facing product payload. membership_* mirror the product's membership_config, flattened; when
// membership_enabled is false the other membership_* fields are absent.
struct PublicCheckout {
    std::string product_id;
    std::string slug;
    std::string title;
    std::optional<std::string> description;
    std::int64_t amount_minor_units = 0;
    std::string asset_symbol;
    std::uint8_t decimals = 0;
    PublicKey token_mint;
    PublicKey merchant_wallet;
    bool membership_enabled = false;
    std::optional<Platform> membership_platform;
    std::optional<IdentityType> membership_identity_type;
    std::optional<RenewalMode> membership_renewal_mode;
    std::optional<std::int64_t> membership_billing_interval_days;
    std::optional<std::int64_t> membership_grace_period_days;
    // AUTOMATIC: how many renewals the checkout's approval of Hilt's delegate covers (--renewal-allowance),
    // so the product screen can state the limit before a wallet is known (the QR lane never sees /transaction).
    std::optional<std::int64_t> membership_allowance_periods;
    CheckoutConfig checkout_config;

    friend bool operator==(const PublicCheckout&, const PublicCheckout&) = default;
};

// ---- POST /v1/products/p/{slug}/connect ----------------------------------------------------------------

struct ConnectRequest {
    std::optional<PublicKey> buyer_wallet;
    std::optional<std::string> handoff_token;
    std::optional<CheckoutRoute> route;

    friend bool operator==(const ConnectRequest&, const ConnectRequest&) = default;
};

// Present in ConnectResponse when Phantom's mobile app-switch is available (solana-phantom.md §1.1, §1.4).
struct PhantomMobile {
    std::string browse_url;  // https://phantom.app/ul/browse/<checkout url>?ref=<origin>
    std::string app_url;     // our origin, sent as app_url on connect
    Cluster cluster = Cluster::MainnetBeta;

    friend bool operator==(const PhantomMobile&, const PhantomMobile&) = default;
};

struct ConnectResponse {
    std::string payment_id;
    PaymentStatus status = PaymentStatus::PendingSignature;
    std::string product_id;
    std::string slug;
    std::int64_t amount_minor_units = 0;           // buyer total
    std::int64_t merchant_amount_minor_units = 0;  // net after the Hilt fee
    std::int64_t fee_minor_units = 0;              // fee + merchant_amount == amount (checked on parse)
    std::string asset_symbol;
    std::uint8_t decimals = 0;
    PublicKey token_mint;
    PublicKey reference;     // the Solana Pay reference key of this session
    // What the session's QR code shows: the transaction request (solana:https://…/v1/solana-pay/{id}) when
    // the server is public over https, else the transfer request.
    std::string solana_pay_url;
    // The Solana Pay transfer request: solana:<merchant wallet>?amount=<whole price>&spl-token=…&reference=
    // …&label=…&message=…&memo=<payment_id>, for wallets without transaction requests (the fee is then
    // paid to the merchant with the price and shows as fee_outstanding_minor_units).
    std::string solana_pay_transfer_url;
    Timestamp expires_at;
    std::optional<PublicKey> buyer_wallet;
    std::optional<PhantomMobile> phantom_mobile;

    friend bool operator==(const ConnectResponse&, const ConnectResponse&) = default;
};

// ---- GET /v1/payments/{payment_id} -----------------------------------------------------------------------

// One payment as the API reads it (payment status, and the items of a product's payment trail).
// Delivery and membership fields are present only once status is CONFIRMED.
struct Payment {
    std::string payment_id;
    std::string product_id;
    std::string slug;
    PaymentStatus status = PaymentStatus::PendingSignature;
    std::optional<FailureReason> failure_reason;  // only when FAILED
    std::int64_t amount_minor_units = 0;
    std::int64_t merchant_amount_minor_units = 0;
    std::int64_t fee_minor_units = 0;
    std::string asset_symbol;
    std::uint8_t decimals = 0;
    PublicKey token_mint;
    PublicKey reference;
    std::optional<PublicKey> buyer_wallet;
    std::optional<std::string> tx_signature;  // base58, 64 bytes, once broadcast
    bool late = false;                        // confirmed although it landed after expires_at
    // Paid above the quote (a wallet's own transfer, found on chain): credited, and flagged by the amount.
    std::optional<std::int64_t> overpaid_minor_units;
    // A wallet's single transfer (a Solana Pay transfer request) paid the Hilt fee to the merchant with the
    // price: the merchant holds it and owes it. Absent when the fee reached the fee account on chain.
    std::optional<std::int64_t> fee_outstanding_minor_units;
    Timestamp created_at;
    Timestamp expires_at;
    std::optional<Timestamp> confirmed_at;
    std::optional<DeliveryType> delivery_type;
    std::optional<std::string> delivery_value;
    std::optional<DeliveryStatus> delivery_status;
    // Merchant views only: why the merchant reported the delivery FAILED (POST …/delivery). The
    // buyer's GET /v1/payments/{id} never carries it.
    std::optional<std::string> delivery_failure;
    std::optional<std::string> membership_id;
    std::optional<MembershipStatus> membership_status;
    std::optional<Timestamp> membership_period_end_at;

    friend bool operator==(const Payment&, const Payment&) = default;
};

// ---- POST /v1/payments/{payment_id}/transaction ----------------------------------------------------------

struct TransactionRequest {
    PublicKey buyer_wallet;

    friend bool operator==(const TransactionRequest&, const TransactionRequest&) = default;
};

// The spending approval the first checkout of an AUTOMATIC product grants Hilt's renewal delegate
// (one ApproveChecked in the transaction): what the page states in plain words before the buyer signs.
struct RenewalApproval {
    PublicKey delegate;                       // Hilt's renewal delegate
    std::int64_t allowance_minor_units = 0;   // the token account's whole approval after signing
    std::int64_t allowance_periods = 0;       // renewals of this product it covers
    // Left from the buyer's other Hilt subscriptions on the same token account (kept in the total).
    std::int64_t existing_allowance_minor_units = 0;
    // Another delegate the token account had approved, which this approval replaces.
    std::optional<PublicKey> replaces_delegate;

    friend bool operator==(const RenewalApproval&, const RenewalApproval&) = default;
};

struct TransactionResponse {
    std::string transaction;       // base64 unsigned wire transaction
    PublicKey recent_blockhash;    // 32 bytes, base58
    std::int64_t last_valid_block_height = 0;
    std::optional<RenewalApproval> approval;  // AUTOMATIC products only

    friend bool operator==(const TransactionResponse&, const TransactionResponse&) = default;
};

// ---- POST /v1/payments/{payment_id}/broadcast ------------------------------------------------------------

struct BroadcastRequest {
    std::string signed_transaction;  // base64 signed wire transaction

    friend bool operator==(const BroadcastRequest&, const BroadcastRequest&) = default;
};

struct BroadcastResponse {
    std::string payment_id;
    PaymentStatus status = PaymentStatus::PendingConfirmation;
    std::string tx_signature;

    friend bool operator==(const BroadcastResponse&, const BroadcastResponse&) = default;
};

// ---- POST /v1/payments/{payment_id}/confirm --------------------------------------------------------------

struct ConfirmRequest {
    std::optional<std::string> tx_signature;

    friend bool operator==(const ConfirmRequest&, const ConfirmRequest&) = default;
};

// The seed's "Confirm response fields". While transitional, only payment_id and status (and tx_signature
// when known) are present; delivery_* and membership_* appear once CONFIRMED.
struct ConfirmResponse {
    std::string payment_id;
    PaymentStatus status = PaymentStatus::PendingConfirmation;
    std::optional<FailureReason> failure_reason;
    std::optional<std::string> tx_signature;
    std::optional<DeliveryType> delivery_type;
    std::optional<std::string> delivery_value;
    std::optional<DeliveryStatus> delivery_status;
    std::optional<std::string> membership_id;
    std::optional<MembershipStatus> membership_status;
    std::optional<Timestamp> membership_period_end_at;
    // A subscription (AUTOMATIC): the buyer's manage page, /m/{membership_id}#k=<manage token>.
    std::optional<std::string> manage_url;

    friend bool operator==(const ConfirmResponse&, const ConfirmResponse&) = default;
};

// ---- POST /v1/handoff/resolve ---------------------------------------------------------------------------

struct HandoffResolveRequest {
    std::string token;

    friend bool operator==(const HandoffResolveRequest&, const HandoffResolveRequest&) = default;
};

struct HandoffResolveResponse {
    std::string slug;
    std::string buyer_ref;
    PublicIdentity identity;
    Timestamp expires_at;

    friend bool operator==(const HandoffResolveResponse&, const HandoffResolveResponse&) = default;
};

// ---- JSON ---------------------------------------------------------------------------------------------
[[nodiscard]] Status from_json(const Json& json, IdentityConnect& out);
Json to_json(const IdentityConnect& value);
[[nodiscard]] Status from_json(const Json& json, CheckoutConfig& out);
Json to_json(const CheckoutConfig& value);
[[nodiscard]] Status from_json(const Json& json, PublicCheckout& out);
Json to_json(const PublicCheckout& value);
[[nodiscard]] Status from_json(const Json& json, ConnectRequest& out);
Json to_json(const ConnectRequest& value);
[[nodiscard]] Status from_json(const Json& json, PhantomMobile& out);
Json to_json(const PhantomMobile& value);
[[nodiscard]] Status from_json(const Json& json, ConnectResponse& out);
Json to_json(const ConnectResponse& value);
[[nodiscard]] Status from_json(const Json& json, Payment& out);
Json to_json(const Payment& value);
[[nodiscard]] Status from_json(const Json& json, TransactionRequest& out);
Json to_json(const TransactionRequest& value);
[[nodiscard]] Status from_json(const Json& json, RenewalApproval& out);
Json to_json(const RenewalApproval& value);
[[nodiscard]] Status from_json(const Json& json, TransactionResponse& out);
Json to_json(const TransactionResponse& value);
[[nodiscard]] Status from_json(const Json& json, BroadcastRequest& out);
Json to_json(const BroadcastRequest& value);
[[nodiscard]] Status from_json(const Json& json, BroadcastResponse& out);
Json to_json(const BroadcastResponse& value);
[[nodiscard]] Status from_json(const Json& json, ConfirmRequest& out);
Json to_json(const ConfirmRequest& value);
[[nodiscard]] Status from_json(const Json& json, ConfirmResponse& out);
Json to_json(const ConfirmResponse& value);
[[nodiscard]] Status from_json(const Json& json, HandoffResolveRequest& out);
Json to_json(const HandoffResolveRequest& value);
[[nodiscard]] Status from_json(const Json& json, HandoffResolveResponse& out);
Json to_json(const HandoffResolveResponse& value);

}  // namespace hilt::models
