// shared/models/common.h: the vocabulary every wire shape shares: the API's enums (with their exact wire
// names), Timestamp (RFC 3339 UTC), identities, ids, and the uniform parse/dump entry points.
//
// Owns: enum <-> wire-name mapping (to_string, parse_enum), Timestamp text form, id prefix checks, and the
// generic `parse<T>(text)` / `dump(value)` pair that every model in shared/models/ plugs into.
// Must never: throw, abort on bad input, or rename a wire value (the names come from the product docs and
// docs/api.md and merchants' code matches on them).
//
// Conventions of every model type in shared/models/:
//  - `Status from_json(const Json&, T& out)` reads one value, `Json to_json(const T&)` writes it.
//  - `parse<T>(text)` checks the raw text first (size, UTF-8, nesting; see json_reader.h), then parses.
//  - Optional fields are std::optional and are omitted from output when empty (never written as null).
//    On input, an explicit null for an optional field means "absent", except in ProductUpdate (PATCH),
//    where null means "clear" (see product.h).
//  - Money is integer minor units (std::int64_t, 0..kMaxJsonInteger); keys are solana::PublicKey.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace hilt::models {

using Json = nlohmann::json;

// ---- enums ------------------------------------------------------------------------------------------
// Each enum is declared once through an X-list of (Enumerator, "WIRE_NAME"); EnumTraits<E> then gives
// to_string(E) and parse_enum<E>(text) for free.
template <typename E>
struct EnumTraits;

template <typename E>
concept ModelEnum = requires { EnumTraits<E>::kEntries; EnumTraits<E>::kTypeName; };

#define HILT_MODEL_ENUM_VALUE(name, wire) name,
#define HILT_MODEL_ENUM_ENTRY(name, wire) std::pair<E, std::string_view>{E::name, wire},
#define HILT_DEFINE_MODEL_ENUM(Type, LIST)                                                         \
    enum class Type : std::uint8_t { LIST(HILT_MODEL_ENUM_VALUE) };                                \
    template <>                                                                                    \
    struct EnumTraits<Type> {                                                                      \
        using E = Type;                                                                            \
        static constexpr std::string_view kTypeName = #Type;                                       \
        static constexpr std::array kEntries{LIST(HILT_MODEL_ENUM_ENTRY)};                         \
    }

// Payment lifecycle (api.md "Statuses"): PENDING_SIGNATURE -> PENDING_CONFIRMATION -> CONFIRMED | FAILED.
#define HILT_PAYMENT_STATUS(X)                                                                     \
    X(PendingSignature, "PENDING_SIGNATURE")                                                       \
    X(PendingConfirmation, "PENDING_CONFIRMATION")                                                 \
    X(Confirmed, "CONFIRMED")                                                                      \
    X(Failed, "FAILED")
HILT_DEFINE_MODEL_ENUM(PaymentStatus, HILT_PAYMENT_STATUS);

// Why a payment is FAILED. EXPIRED is the api.md name for a session past expires_at.
#define HILT_FAILURE_REASON(X)                                                                     \
    X(Expired, "EXPIRED")                                   /* session ended before a transaction landed */ \
    X(TransactionFailed, "TRANSACTION_FAILED")              /* landed on chain with an error */    \
    X(BlockhashExpired, "BLOCKHASH_EXPIRED")                /* broadcast but never landed in time */ \
    X(VerificationFailed, "VERIFICATION_FAILED")            /* the signed transaction did not match */ \
    X(Cancelled, "CANCELLED")                               /* the buyer or merchant abandoned it */
HILT_DEFINE_MODEL_ENUM(FailureReason, HILT_FAILURE_REASON);

#define HILT_DELIVERY_TYPE(X)                                                                      \
    X(None, "NONE")                                                                                \
    X(Redirect, "REDIRECT")                                                                        \
    X(InviteLink, "INVITE_LINK")                                                                   \
    X(Message, "MESSAGE")
HILT_DEFINE_MODEL_ENUM(DeliveryType, HILT_DELIVERY_TYPE);

// Access handoff state after payment (analytics: delivered, failed, pending). NOT_REQUIRED for NONE.
#define HILT_DELIVERY_STATUS(X)                                                                    \
    X(NotRequired, "NOT_REQUIRED")                                                                 \
    X(Pending, "PENDING")                                                                          \
    X(Delivered, "DELIVERED")                                                                      \
    X(Failed, "FAILED")
HILT_DEFINE_MODEL_ENUM(DeliveryStatus, HILT_DELIVERY_STATUS);

#define HILT_MEMBERSHIP_STATUS(X)                                                                  \
    X(Active, "ACTIVE")                                                                            \
    X(Grace, "GRACE")                                                                              \
    X(Expired, "EXPIRED")                                                                          \
    X(Cancelled, "CANCELLED")
HILT_DEFINE_MODEL_ENUM(MembershipStatus, HILT_MEMBERSHIP_STATUS);

// Why a subscription's renewal could not be pulled (checked on chain before anything is sent).
#define HILT_RENEWAL_FAILURE_REASON(X)                                                             \
    X(InsufficientFunds, "INSUFFICIENT_FUNDS")                                                     \
    X(AllowanceExhausted, "ALLOWANCE_EXHAUSTED")                                                   \
    X(DelegateRevoked, "DELEGATE_REVOKED")                                                         \
    X(TokenAccountClosed, "TOKEN_ACCOUNT_CLOSED")                                                  \
    X(AccountFrozen, "ACCOUNT_FROZEN")
HILT_DEFINE_MODEL_ENUM(RenewalFailureReason, HILT_RENEWAL_FAILURE_REASON);

// Who cancelled a membership: the merchant through the API, or the buyer from the manage page.
#define HILT_CANCELLATION_SOURCE(X)                                                                \
    X(Merchant, "MERCHANT")                                                                        \
    X(Buyer, "BUYER")
HILT_DEFINE_MODEL_ENUM(CancellationSource, HILT_CANCELLATION_SOURCE);

// What a buyer does from the manage page: cancel (revoke Hilt's approval, or lower it when other
// subscriptions share it), or approve more renewals (after the allowance ran low, or a revoke).
#define HILT_MANAGE_ACTION(X)                                                                      \
    X(Cancel, "CANCEL")                                                                            \
    X(Reapprove, "REAPPROVE")
HILT_DEFINE_MODEL_ENUM(ManageAction, HILT_MANAGE_ACTION);

#define HILT_PLATFORM(X)                                                                           \
    X(Discord, "DISCORD")                                                                          \
    X(Telegram, "TELEGRAM")                                                                        \
    X(Web, "WEB")
HILT_DEFINE_MODEL_ENUM(Platform, HILT_PLATFORM);

#define HILT_IDENTITY_TYPE(X)                                                                      \
    X(Wallet, "WALLET")                                                                            \
    X(DiscordUser, "DISCORD_USER")                                                                 \
    X(TelegramUser, "TELEGRAM_USER")                                                               \
    X(Email, "EMAIL")
HILT_DEFINE_MODEL_ENUM(IdentityType, HILT_IDENTITY_TYPE);

#define HILT_RENEWAL_MODE(X)                                                                       \
    X(OneOff, "ONE_OFF")                                                                           \
    X(Automatic, "AUTOMATIC")
HILT_DEFINE_MODEL_ENUM(RenewalMode, HILT_RENEWAL_MODE);

#define HILT_PRODUCT_STATUS(X)                                                                     \
    X(Active, "ACTIVE")                                                                            \
    X(Archived, "ARCHIVED")
HILT_DEFINE_MODEL_ENUM(ProductStatus, HILT_PRODUCT_STATUS);

#define HILT_PRODUCT_TYPE(X) X(PaymentLink, "PAYMENT_LINK")
HILT_DEFINE_MODEL_ENUM(ProductType, HILT_PRODUCT_TYPE);

// The payment lane the buyer uses (architecture.md "The buyer's path", step 3).
#define HILT_CHECKOUT_ROUTE(X)                                                                     \
    X(PhantomExtension, "PHANTOM_EXTENSION")                                                       \
    X(PhantomMobile, "PHANTOM_MOBILE")                                                             \
    X(SolanaPayQr, "SOLANA_PAY_QR")
HILT_DEFINE_MODEL_ENUM(CheckoutRoute, HILT_CHECKOUT_ROUTE);

// Phantom's cluster names (solana-phantom.md §1.1).
#define HILT_CLUSTER(X)                                                                            \
    X(MainnetBeta, "mainnet-beta")                                                                 \
    X(Devnet, "devnet")                                                                            \
    X(Testnet, "testnet")
HILT_DEFINE_MODEL_ENUM(Cluster, HILT_CLUSTER);

// Webhook event types (api.md "Webhooks").
#define HILT_EVENT_TYPE(X)                                                                         \
    X(PaymentConfirmed, "payment.confirmed")                                                       \
    X(PaymentFailed, "payment.failed")                                                             \
    X(PaymentLate, "payment.late")                                                                 \
    X(MembershipActivated, "membership.activated")                                                 \
    X(MembershipRenewed, "membership.renewed")                                                     \
    X(MembershipRenewalFailed, "membership.renewal_failed")                                        \
    X(MembershipAllowanceLow, "membership.allowance_low")                                          \
    X(MembershipCancelled, "membership.cancelled")                                                 \
    X(MembershipGraceStarted, "membership.grace_started")                                          \
    X(MembershipExpired, "membership.expired")                                                     \
    X(ReceiptCreated, "receipt.created")                                                           \
    X(DeliveryFailed, "delivery.failed")                                                           \
    X(SupportCaseCreated, "support.case_created")
HILT_DEFINE_MODEL_ENUM(EventType, HILT_EVENT_TYPE);

template <ModelEnum E>
constexpr std::string_view to_string(E value) {
    for (const auto& [e, wire] : EnumTraits<E>::kEntries) {
        if (e == value) return wire;
    }
    return {};
}

template <ModelEnum E>
constexpr std::optional<E> enum_from_string(std::string_view text) {
    for (const auto& [e, wire] : EnumTraits<E>::kEntries) {
        if (wire == text) return e;
    }
    return std::nullopt;
}

// Exact, case-sensitive match of a wire name; invalid_enum otherwise.
template <ModelEnum E>
[[nodiscard]] Result<E> parse_enum(std::string_view text) {
    if (auto value = enum_from_string<E>(text)) return *value;
    std::string allowed;
    for (const auto& [e, wire] : EnumTraits<E>::kEntries) {
        if (!allowed.empty()) allowed += ", ";
        allowed += wire;
    }
    return fail(ErrorCode::InvalidEnum, "must be one of: " + allowed);
}

// CONFIRMED and FAILED are terminal (api.md).
constexpr bool is_terminal(PaymentStatus status) {
    return status == PaymentStatus::Confirmed || status == PaymentStatus::Failed;
}

// ---- Timestamp -----------------------------------------------------------------------------------------
// Unix seconds, UTC. Text form: RFC 3339 "2026-11-29T12:00:00Z". Printing always uses "Z" and whole seconds;
// parsing also accepts fractional seconds (truncated) and the "+00:00" / "-00:00" offsets. Other offsets,
// leap seconds, years outside kMinTimestampYear..kMaxTimestampYear and any extra character are rejected.
inline constexpr int kMinTimestampYear = 1970;  // nothing in Hilt predates Unix time
inline constexpr int kMaxTimestampYear = 9999;  // four-digit years only (RFC 3339)

struct Timestamp {
    std::int64_t unix_seconds = 0;

    friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
    friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

std::string format_timestamp(Timestamp time);
[[nodiscard]] Result<Timestamp> parse_timestamp(std::string_view text);

// ---- ids --------------------------------------------------------------------------------------------
// Ids are "<prefix>_<1..kMaxIdBodyChars of [A-Za-z0-9]>" (api.md "Ids are prefixed and random").
inline constexpr std::size_t kMaxIdBodyChars = 64;  // room for 256-bit ids in base62 with margin
inline constexpr std::string_view kProductIdPrefix = "prod";
inline constexpr std::string_view kPaymentIdPrefix = "pay";
inline constexpr std::string_view kMembershipIdPrefix = "mem";
inline constexpr std::string_view kReceiptIdPrefix = "rcpt";
inline constexpr std::string_view kEventIdPrefix = "evt";
inline constexpr std::string_view kWebhookEndpointIdPrefix = "we";
inline constexpr std::string_view kSupportCaseIdPrefix = "sup";
inline constexpr std::string_view kHandoffTokenIdPrefix = "hot";  // jti of a signed handoff token

// invalid_value unless `id` is prefix + "_" + an allowed body.
[[nodiscard]] Status validate_id(std::string_view id, std::string_view prefix);

// Slugs: 1..kMaxSlugChars of [a-z0-9-], not starting or ending with '-' (URL-safe, api.md).
inline constexpr std::size_t kMaxSlugChars = 100;  // title-derived part plus a random suffix
[[nodiscard]] Status validate_slug(std::string_view slug);

// ---- parse / dump -----------------------------------------------------------------------------------
// Implemented in json_reader.h; declared here so every model header offers the same two calls:
//   auto r = models::parse<ConnectResponse>(body);   // Result<ConnectResponse>
//   std::string body = models::dump(response);       // compact JSON, never throws
// (Both are templates over any T with from_json(const Json&, T&) and to_json(const T&).)

}  // namespace hilt::models
