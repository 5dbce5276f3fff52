// shared/solanapay/transaction_request.h: Solana Pay transaction requests (interactive),
// solana-phantom.md §4.5: the `solana:<https link>` URL and the JSON of the GET and POST
// exchanges with that link.
//
// Owns: encoding and parsing the URL, and the wire shapes GET -> {label, icon},
// POST {account} -> {transaction, message, redirect?}, error {message}, as C++ types with
// non-throwing JSON in and out.
// Must never: fetch the link, trust a transaction it decodes (it only checks size; the server
// re-parses and verifies), or throw on any input.
//
//  - URL errors are invalid_solana_pay_url (field "link", "label", "message" or "url").
//    JSON errors use the generic codes (invalid_json, wrong_type, missing_field, invalid_url,
//    invalid_base64, invalid_key, too_long, invalid_length) with the JSON field's name.
//  - Unknown JSON fields are ignored: the SPEC says wallets and applications should allow
//    additional fields "which may be added by future specification" (unlike Hilt's own API,
//    which rejects them).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "encoding/base58.h"
#include "solana/pubkey.h"

namespace hilt::solanapay {

// Largest JSON body read or written: a 1232-byte transaction is 1644 base64 characters; the rest is
// label, icon and message text.
inline constexpr std::size_t kMaxJsonBodyBytes = 16 * 1024;
// Solana's packet data limit: no larger transaction can be sent to the cluster.
inline constexpr std::size_t kMaxTransactionBytes = 1232;
// Longest label or message accepted in JSON; wallets show the first 80 characters of a message.
inline constexpr std::size_t kMaxTextBytes = 1024;

struct TransactionRequest {
    std::string link;     // absolute https URL, as given (not normalised)
    std::string label;    // empty when absent
    std::string message;  // empty when absent

    friend bool operator==(const TransactionRequest&, const TransactionRequest&) = default;
};

// `solana:<link>?label=…&message=…`. The link is URL-encoded (encodeURIComponent) only when it has
// its own query string, as @solana/pay does (V7: https://example.com?query=param ->
// solana:https%3A%2F%2Fexample.com%3Fquery%3Dparam?label=label&message=message), or when it
// contains '%' (so that decoding gives back the same link). Unlike @solana/pay, the link is not
// normalised first (no trailing '/' is added or removed): pass it in canonical form. The link must
// be ASCII.
[[nodiscard]] Result<std::string> encode_transaction_request(const TransactionRequest& request);

// Parses `solana:<link>`: the pathname (which must contain ':' or '%') is URL-decoded and must be
// an absolute https URL in ASCII; label and message may each appear once.
[[nodiscard]] Result<TransactionRequest> parse_transaction_request(std::string_view url);

// ---- GET link -> 200 {"label","icon"} -----------------------------------------------------------
struct TransactionRequestGetResponse {
    std::string label;  // required, non-empty UTF-8
    // required, absolute http or https URL (SVG, PNG or WebP: the type is not checkable here)
    std::string icon;

    friend bool operator==(const TransactionRequestGetResponse&,
                           const TransactionRequestGetResponse&) = default;
};
[[nodiscard]] Result<std::string> to_json(const TransactionRequestGetResponse& response);
[[nodiscard]] Result<TransactionRequestGetResponse> parse_get_response(std::string_view json);

// ---- POST link {"account"} ----------------------------------------------------------------------
struct TransactionRequestPostBody {
    solana::PublicKey account;  // the payer, who may sign

    friend bool operator==(const TransactionRequestPostBody&,
                           const TransactionRequestPostBody&) = default;
};
std::string to_json(const TransactionRequestPostBody& body);
[[nodiscard]] Result<TransactionRequestPostBody> parse_post_body(std::string_view json);

// ---- POST response 200 {"transaction","message"?,"redirect"?} -----------------------------------
struct TransactionRequestPostResponse {
    Bytes transaction;     // wire transaction, base64 in JSON; 1..kMaxTransactionBytes bytes
    std::string message;   // optional, empty when absent
    std::string redirect;  // SPEC1.1, optional: https or solana: URL

    friend bool operator==(const TransactionRequestPostResponse&,
                           const TransactionRequestPostResponse&) = default;
};
[[nodiscard]] Result<std::string> to_json(const TransactionRequestPostResponse& response);
[[nodiscard]] Result<TransactionRequestPostResponse> parse_post_response(std::string_view json);

// ---- 4xx/5xx {"message"?} -----------------------------------------------------------------------
struct TransactionRequestErrorBody {
    std::string message;  // optional, empty when absent

    friend bool operator==(const TransactionRequestErrorBody&,
                           const TransactionRequestErrorBody&) = default;
};
[[nodiscard]] Result<std::string> to_json(const TransactionRequestErrorBody& body);
[[nodiscard]] Result<TransactionRequestErrorBody> parse_error_body(std::string_view json);

}  // namespace hilt::solanapay
