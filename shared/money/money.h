// shared/money/money.h: amounts, assets and fees, in integer minor units only.
//
// Owns: the asset table (symbol, decimals, mints per cluster), exact decimal text <-> minor units, and the
// Hilt fee split in basis points.
// Must never: use floating point, round silently, or overflow for any std::int64_t input (every function is
// total: bad input is a named error).
//
// Text forms (both exact, neither ever rounds):
//  - canonical: format_decimal(12340000, 6) == "12.34", (12000000, 6) == "12", (0, 6) == "0": trailing
//    fractional zeros and a bare '.' are dropped. Used in Solana Pay `amount` and machine-readable text.
//  - display:   format_display(12000000, 6) == "12.00", (12340000, 6) == "12.34", (12345678, 6) ==
//    "12.345678", (1, 9) == "0.000000001": at least kDisplayMinFractionDigits fractional digits (fewer only
//    when the asset has fewer decimals), more only when needed to stay exact. No grouping separators.
//  - parse_decimal accepts exactly: one or more digits, optionally '.' and 1..decimals digits. No sign, no
//    exponent, no whitespace, no leading '.', no trailing '.', no leading zeros ("0.5" yes, "00.5"/"05" no),
//    and no more fractional digits than the asset has (even zeros: "1.0000000" is too_many_decimals for 6).
//    The result must be <= kMaxAmountMinorUnits (2^53-1, api.md) or it is amount_overflow.
//
// Fee rule: fee = floor(amount * bps / 10000), merchant_amount = amount - fee. Rounding down favours the
// merchant and the buyer-visible total never changes; fee + merchant_amount == amount for every amount.
// Computed by splitting amount = q*10000 + r, so no intermediate exceeds the amount itself.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "solana/pubkey.h"

namespace hilt::money {

using MinorUnits = std::int64_t;

inline constexpr MinorUnits kMaxAmountMinorUnits = (MinorUnits{1} << 53) - 1;  // exact in JS (api.md)
inline constexpr std::uint8_t kMaxDecimals = 18;              // 10^18 < 2^63; SPL mints use <= 9
inline constexpr std::uint32_t kBasisPointsPerWhole = 10000;  // 1 bps = 0.01 %
inline constexpr std::uint32_t kMaxFeeBps = kBasisPointsPerWhole;  // a fee can at most be the amount
inline constexpr std::size_t kMaxDecimalTextChars = 40;  // 16 integer digits + '.' + 18 decimals, margin
inline constexpr std::uint8_t kDisplayMinFractionDigits = 2;

// ---- assets -----------------------------------------------------------------------------------------

enum class Cluster : std::uint8_t { Mainnet, Devnet };

struct Asset {
    std::string_view symbol;  // "USDC", "SOL"
    std::string_view name;
    std::uint8_t decimals = 0;
    // True for SOL: paid with a System transfer in lamports, no token account. Its mints below are the
    // wrapped-SOL mint, used only to name the asset in APIs (token_mint) and Solana Pay-free lookups.
    bool native = false;
    solana::PublicKey mainnet_mint;
    solana::PublicKey devnet_mint;

    const solana::PublicKey& mint(Cluster cluster) const {
        return cluster == Cluster::Mainnet ? mainnet_mint : devnet_mint;
    }
};

struct AssetMatch {
    const Asset* asset = nullptr;
    Cluster cluster = Cluster::Mainnet;
};

// Every asset Hilt can price in (USDC, SOL).
std::span<const Asset> assets();
const Asset& usdc();
const Asset& sol();
// Case-sensitive symbol ("USDC"); unknown_asset otherwise.
[[nodiscard]] Result<const Asset*> find_asset_by_symbol(std::string_view symbol);
// Which asset and cluster a mint belongs to; unknown_asset otherwise.
[[nodiscard]] Result<AssetMatch> find_asset_by_mint(const solana::PublicKey& mint);

// ---- text -------------------------------------------------------------------------------------------

// invalid_amount for amount < 0 or decimals > kMaxDecimals.
[[nodiscard]] Result<std::string> format_decimal(MinorUnits amount, std::uint8_t decimals);
[[nodiscard]] Result<std::string> format_display(MinorUnits amount, std::uint8_t decimals);
// invalid_amount (shape), too_many_decimals, amount_overflow.
[[nodiscard]] Result<MinorUnits> parse_decimal(std::string_view text, std::uint8_t decimals);

// ---- fees -------------------------------------------------------------------------------------------

struct FeeSplit {
    MinorUnits fee = 0;
    MinorUnits merchant_amount = 0;

    friend bool operator==(const FeeSplit&, const FeeSplit&) = default;
};

// invalid_amount for amount < 0, invalid_fee_bps for bps > kMaxFeeBps. Defined for every other int64.
[[nodiscard]] Result<FeeSplit> split_fee(MinorUnits amount, std::uint32_t fee_bps);

}  // namespace hilt::money
