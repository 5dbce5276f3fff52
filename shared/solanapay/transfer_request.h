// shared/solanapay/transfer_request.h: Solana Pay transfer request URLs,
// `solana:<recipient>?amount=…&spl-token=…&reference=…&label=…&message=…&memo=…`
// (solana-phantom.md §4.1).
//
// Owns: encoding a TransferRequest exactly as @solana/pay's encodeURL does, parsing one like
// parseURL but strictly, and the exact conversion between the URL's decimal amount and integer
// minor units.
// Must never: use floating point for an amount, accept a URL that parseURL would reject, or round
// an amount (more fraction digits than the asset has is malformed, never truncated).
//
//  - Every rejection is invalid_solana_pay_url with field = the parameter's name ("recipient",
//    "amount", "spl-token", "reference", "label", "message", "memo", "redirect"), or "url" for
//    the URL as a whole.
//  - label, message, memo and redirect are empty when absent (as in @solana/pay, an empty value
//    is absent).
//  - Unknown parameters are ignored (SPEC1.1 adds parameters wallets may not know); a repeated
//    single-valued parameter is rejected (parseURL silently takes the first one, which would let
//    a second value hide).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "solana/pubkey.h"

namespace hilt::solanapay {

// parseURL's limit on the whole URL; it also keeps the QR code scannable.
inline constexpr std::size_t kMaxUrlLength = 2048;
// SOL has 9 decimals (lamports); an amount without spl-token is in SOL.
inline constexpr std::uint8_t kSolDecimals = 9;
// 10^19 < 2^64 < 10^20: with more decimals not even one whole unit fits in a u64 amount.
inline constexpr std::uint8_t kMaxAmountDecimals = 19;
// Each reference is an account key of the transfer; more than this will not fit a 1232-byte
// transaction.
inline constexpr std::size_t kMaxReferences = 16;
inline constexpr std::string_view kSolanaScheme = "solana";

// An exact amount: minor_units / 10^decimals user units (1.5 USDC = {1500000, 6}).
struct TokenAmount {
    std::uint64_t minor_units = 0;
    std::uint8_t decimals = 0;

    friend bool operator==(const TokenAmount&, const TokenAmount&) = default;
};

// The decimal text @solana/pay writes (BigNumber.toFixed): no exponent, no trailing fraction zeros,
// no '.' for whole amounts, "0" for zero. {1500000, 6} -> "1.5". decimals must be <=
// kMaxAmountDecimals (asserts).
std::string format_amount(TokenAmount amount);

// Parses `^\d+(\.\d+)?$` exactly. With `decimals`, the result has those decimals and more fraction
// digits than that is an error; without, the result keeps the digits as written ("1.50" -> {150,
// 2}). Fails with invalid_amount (shape), too_many_decimals or amount_overflow (more than u64 minor
// units).
[[nodiscard]] Result<TokenAmount> parse_amount(std::string_view text,
                                               std::optional<std::uint8_t> decimals);

// The same amount with `decimals` decimals ({15, 1} -> {1500000, 6}); too_many_decimals when that
// would drop non-zero digits, amount_overflow when it no longer fits.
[[nodiscard]] Result<TokenAmount> rescale_amount(TokenAmount amount, std::uint8_t decimals);

struct TransferRequest {
    solana::PublicKey recipient;                 // the wallet, never an associated token account
    std::optional<TokenAmount> amount;           // absent: the wallet asks the buyer
    std::optional<solana::PublicKey> spl_token;  // absent: a SOL transfer
    std::vector<solana::PublicKey> references;   // in URL order
    std::string label;
    std::string message;
    std::string memo;
    std::string
        redirect;  // SPEC1.1 (draft): https or solana: URL followed after a confirmed payment

    friend bool operator==(const TransferRequest&, const TransferRequest&) = default;
};

// The URL @solana/pay's encodeURL writes for the same fields (parameter order amount, spl-token,
// reference…, label, message, memo, then redirect; URLSearchParams encoding, a space is '+').
// Fails when the result would not parse back: an amount for SOL with more than 9 decimals, text
// that is not UTF-8, a bad redirect, too many references, or a URL longer than kMaxUrlLength.
[[nodiscard]] Result<std::string> encode_transfer_request(const TransferRequest& request);

// Parses a transfer request URL. The amount's decimals are 9 without spl-token; with spl-token they
// are `token_decimals` when the caller knows the mint, otherwise the fraction digits as written
// (use rescale_amount once the mint's decimals are known). The scheme is matched
// case-insensitively; '%20' and '+' both decode to a space; a fragment ('#') is rejected.
[[nodiscard]] Result<TransferRequest> parse_transfer_request(
    std::string_view url, std::optional<std::uint8_t> token_decimals = std::nullopt);

}  // namespace hilt::solanapay
