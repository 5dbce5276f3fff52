// shared/core/error.h: Hilt's errors as values.
//
// Owns: the one list of named error codes, their stable snake_case wire codes (what the API returns in
// {"error":{"code":…}}) and the HTTP status each maps to. Every fallible function in shared/ returns
// Result<T> (result.h) carrying an Error from this list.
// Must never: throw, allocate on a hot path beyond the message string, or change a wire code once shipped
// (merchants' code matches on them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hilt {

// X(name, "wire_code", http_status)
#define HILT_ERROR_CODES(X)                                                                        \
    /* request shape and field validation */                                                       \
    X(InvalidJson, "invalid_json", 400)                                                            \
    X(InvalidUtf8, "invalid_utf8", 400)                                                            \
    X(WrongType, "wrong_type", 422)                                                                \
    X(MissingField, "missing_field", 422)                                                          \
    X(UnknownField, "unknown_field", 422)                                                          \
    X(OutOfRange, "out_of_range", 422)                                                             \
    X(TooLong, "too_long", 422)                                                                    \
    X(TooShort, "too_short", 422)                                                                  \
    X(TooMany, "too_many", 422)                                                                    \
    X(InvalidValue, "invalid_value", 422)                                                          \
    X(InvalidEnum, "invalid_enum", 422)                                                            \
    X(InvalidUrl, "invalid_url", 422)                                                              \
    X(UrlNotAllowed, "url_not_allowed", 422)                                                       \
    X(InvalidTimestamp, "invalid_timestamp", 422)                                                  \
    /* encodings */                                                                                \
    X(InvalidBase58, "invalid_base58", 422)                                                        \
    X(InvalidBase64, "invalid_base64", 422)                                                        \
    X(InvalidLength, "invalid_length", 422)                                                        \
    /* money */                                                                                    \
    X(InvalidAmount, "invalid_amount", 422)                                                        \
    X(AmountOverflow, "amount_overflow", 422)                                                      \
    X(TooManyDecimals, "too_many_decimals", 422)                                                   \
    X(UnknownAsset, "unknown_asset", 422)                                                          \
    X(InvalidFeeBps, "invalid_fee_bps", 422)                                                       \
    /* crypto */                                                                                   \
    X(CryptoUnavailable, "crypto_unavailable", 500)                                                \
    X(InvalidKey, "invalid_key", 422)                                                              \
    X(InvalidSignature, "invalid_signature", 422)                                                  \
    X(DecryptFailed, "decrypt_failed", 422)                                                        \
    /* solana wire format and transaction checks */                                                \
    X(MalformedTransaction, "malformed_transaction", 422)                                          \
    X(TransactionTooLarge, "transaction_too_large", 422)                                           \
    X(UnsupportedVersion, "unsupported_version", 422)                                              \
    X(DuplicateAccount, "duplicate_account", 422)                                                  \
    X(InvalidSeeds, "invalid_seeds", 422)                                                          \
    X(NoViableBump, "no_viable_bump", 422)                                                         \
    X(AddressLookupUnsupported, "address_lookup_unsupported", 422)                                 \
    X(TransactionMismatch, "transaction_mismatch", 422)                                            \
    X(TransactionRejected, "transaction_rejected", 422)                                            \
    X(InsufficientFunds, "insufficient_funds", 422)                                                \
    /* solana pay and phantom */                                                                   \
    X(InvalidSolanaPayUrl, "invalid_solana_pay_url", 422)                                          \
    X(WalletError, "wallet_error", 422)                                                            \
    X(InvalidRedirect, "invalid_redirect", 422)                                                    \
    /* API level (used by hiltd; defined here so the wire list lives in one place) */              \
    X(ValidationFailed, "validation_failed", 422)                                                  \
    X(Unauthorized, "unauthorized", 401)                                                           \
    X(Forbidden, "forbidden", 403)                                                                 \
    X(NotFound, "not_found", 404)                                                                  \
    X(Conflict, "conflict", 409)                                                                   \
    X(IdempotencyMismatch, "idempotency_mismatch", 409)                                            \
    X(SessionExpired, "session_expired", 410)                                                      \
    X(ProductArchived, "product_archived", 410)                                                    \
    X(HandoffInvalid, "handoff_invalid", 401)                                                      \
    X(HandoffExpired, "handoff_expired", 410)                                                      \
    X(HandoffUsed, "handoff_used", 409)                                                            \
    X(PaymentNotConfirmed, "payment_not_confirmed", 409)                                           \
    X(DeliveryNotRequired, "delivery_not_required", 409)                                           \
    X(TooManyOpenCases, "too_many_open_cases", 409)                                                \
    X(PayloadTooLarge, "payload_too_large", 413)                                                   \
    X(UnsupportedMediaType, "unsupported_media_type", 415)                                         \
    X(RateLimited, "rate_limited", 429)                                                            \
    X(Internal, "internal_error", 500)                                                             \
    X(ChainUnavailable, "chain_unavailable", 503)                                                  \
    X(EndpointUnreachable, "endpoint_unreachable", 502)

enum class ErrorCode : std::uint8_t {
#define HILT_X(name, wire, status) name,
    HILT_ERROR_CODES(HILT_X)
#undef HILT_X
};

// The stable snake_case code sent on the wire.
std::string_view to_string(ErrorCode code);
// The HTTP status the API answers with for this code.
int http_status(ErrorCode code);
// Reverse lookup of a wire code; false when the text names no code.
[[nodiscard]] bool error_code_from_string(std::string_view wire, ErrorCode& out);

// One failure: what (code), a sentence for a person (message), and where (field path such as
// "membership_config.grace_period_days"; empty when the error is not about one field).
struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
    std::string field;

    friend bool operator==(const Error&, const Error&) = default;
};

// "wire_code: message (at field)", for logs and test failure messages.
std::string describe(const Error& error);

}  // namespace hilt
