// shared/money/money.cpp: asset table, decimal text and fee split (see money.h).
#include "money/money.h"

#include <array>

namespace hilt::money {
namespace {

solana::PublicKey key(std::string_view base58) {
    // The table's literals are known-good; a typo shows as the all-zero key and fails the asset tests.
    return solana::PublicKey::parse(base58).value_or(solana::PublicKey{});
}

// circlefin/skills (solana-phantom.md sources): USDC mints. Wrapped SOL: So111…112 on every cluster.
const std::array<Asset, 2>& table() {
    static const std::array<Asset, 2> kAssets = {
        Asset{"USDC", "USD Coin", 6, false, key("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
              key("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU")},
        Asset{"SOL", "Solana", 9, true, key("So11111111111111111111111111111111111111112"),
              key("So11111111111111111111111111111111111111112")},
    };
    return kAssets;
}

constexpr MinorUnits pow10(std::uint8_t exponent) {
    MinorUnits value = 1;
    for (std::uint8_t i = 0; i < exponent; ++i) value *= 10;
    return value;
}

Result<std::string> format_with(MinorUnits amount, std::uint8_t decimals, std::uint8_t min_fraction) {
    if (amount < 0) return fail(ErrorCode::InvalidAmount, "amount must not be negative");
    if (decimals > kMaxDecimals) return fail(ErrorCode::InvalidAmount, "too many decimals for an asset");
    const MinorUnits scale = pow10(decimals);
    std::string text = std::to_string(amount / scale);
    std::string fraction;
    if (decimals > 0) {
        fraction = std::to_string(amount % scale);
        fraction.insert(0, decimals - fraction.size(), '0');  // to_string gives <= decimals digits
    }
    const std::size_t keep_at_least = std::min<std::size_t>(min_fraction, decimals);
    while (fraction.size() > keep_at_least && fraction.back() == '0') fraction.pop_back();
    if (!fraction.empty()) text += "." + fraction;
    return text;
}

}  // namespace

std::span<const Asset> assets() { return table(); }
const Asset& usdc() { return table()[0]; }
const Asset& sol() { return table()[1]; }

Result<const Asset*> find_asset_by_symbol(std::string_view symbol) {
    for (const Asset& asset : table()) {
        if (asset.symbol == symbol) return &asset;
    }
    return fail(ErrorCode::UnknownAsset, "no asset with this symbol");
}

Result<AssetMatch> find_asset_by_mint(const solana::PublicKey& mint) {
    for (const Asset& asset : table()) {
        if (asset.mainnet_mint == mint) return AssetMatch{&asset, Cluster::Mainnet};
        if (asset.devnet_mint == mint) return AssetMatch{&asset, Cluster::Devnet};
    }
    return fail(ErrorCode::UnknownAsset, "no asset with this mint");
}

Result<std::string> format_decimal(MinorUnits amount, std::uint8_t decimals) {
    return format_with(amount, decimals, 0);
}

Result<std::string> format_display(MinorUnits amount, std::uint8_t decimals) {
    return format_with(amount, decimals, kDisplayMinFractionDigits);
}

Result<MinorUnits> parse_decimal(std::string_view text, std::uint8_t decimals) {
    const auto invalid = [](std::string why) {
        return fail(ErrorCode::InvalidAmount, "must be a plain decimal such as 12.34 (" + why + ")");
    };
    if (decimals > kMaxDecimals) return invalid("asset has too many decimals");
    if (text.empty()) return invalid("empty");
    if (text.size() > kMaxDecimalTextChars) return fail(ErrorCode::AmountOverflow, "amount is too large");
    const std::size_t dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    const auto all_digits = [](std::string_view part) {
        for (char c : part) {
            if (c < '0' || c > '9') return false;
        }
        return true;
    };
    if (whole.empty()) return invalid("no digits before the point");
    if (!all_digits(whole) || !all_digits(fraction)) return invalid("only digits and one '.'");
    if (dot != std::string_view::npos && fraction.empty()) return invalid("no digits after the point");
    if (whole.size() > 1 && whole.front() == '0') return invalid("leading zero");
    if (fraction.size() > decimals) {
        return fail(ErrorCode::TooManyDecimals,
                    "at most " + std::to_string(decimals) + " digits after the point");
    }
    // whole * 10^decimals + fraction * 10^(decimals - fraction digits), checked against the cap at each step.
    MinorUnits value = 0;
    const auto push_digit = [&](char c) {
        const MinorUnits digit = c - '0';
        if (value > (kMaxAmountMinorUnits - digit) / 10) return false;
        value = value * 10 + digit;
        return true;
    };
    const auto overflow = [] {
        return fail(ErrorCode::AmountOverflow, "amount is larger than 2^53-1 minor units");
    };
    for (char c : whole) {
        if (!push_digit(c)) return overflow();
    }
    for (char c : fraction) {
        if (!push_digit(c)) return overflow();
    }
    for (std::size_t i = fraction.size(); i < decimals; ++i) {
        if (!push_digit('0')) return overflow();
    }
    return value;
}

Result<FeeSplit> split_fee(MinorUnits amount, std::uint32_t fee_bps) {
    if (amount < 0) return fail(ErrorCode::InvalidAmount, "amount must not be negative");
    if (fee_bps > kMaxFeeBps) {
        return fail(ErrorCode::InvalidFeeBps, "fee must be 0 to 10000 basis points");
    }
    const MinorUnits whole = kBasisPointsPerWhole;
    const MinorUnits q = amount / whole;  // amount = q * 10000 + r
    const MinorUnits r = amount % whole;
    // floor(amount*bps/10000) = q*bps + floor(r*bps/10000); q*bps <= amount and r*bps < 10^8.
    const MinorUnits fee = q * fee_bps + (r * fee_bps) / whole;
    return FeeSplit{fee, amount - fee};
}

}  // namespace hilt::money
