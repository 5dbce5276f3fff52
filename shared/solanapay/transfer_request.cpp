// shared/solanapay/transfer_request.cpp: transfer request URLs and exact decimal amounts.
#include "solanapay/transfer_request.h"

#include <cassert>

#include "encoding/url.h"
#include "solanapay/solana_url.h"

namespace hilt::solanapay {

namespace {

constexpr std::uint64_t kU64Max = ~std::uint64_t{0};

// value * 10 + digit, false on overflow.
bool push_digit(std::uint64_t& value, unsigned digit) {
    if (value > (kU64Max - digit) / 10) return false;
    value = value * 10 + digit;
    return true;
}

bool times_pow10(std::uint64_t& value, unsigned exponent) {
    for (unsigned i = 0; i < exponent; ++i) {
        if (!push_digit(value, 0)) return false;
    }
    return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

Error bad(std::string field, std::string message) {
    return fail(ErrorCode::InvalidSolanaPayUrl, std::move(message), std::move(field));
}

// Number of fraction digits format_amount writes.
std::size_t written_fraction_digits(TokenAmount amount) {
    const std::string text = format_amount(amount);
    const std::size_t dot = text.find('.');
    return dot == std::string::npos ? 0 : text.size() - dot - 1;
}

bool is_valid_redirect(std::string_view redirect) {
    if (is_https_url(redirect)) return true;
    // A solana: redirect is a new Solana Pay request; the wallet parses it when it gets there. Here
    // its envelope must be sound (checking it fully would recurse through its own redirect).
    return url_scheme(redirect) == kSolanaScheme && split_solana_url(redirect).ok();
}

}  // namespace

std::string format_amount(TokenAmount amount) {
    assert(amount.decimals <= kMaxAmountDecimals && "format_amount: too many decimals");
    std::string digits = std::to_string(amount.minor_units);
    if (amount.decimals == 0) return digits;
    if (digits.size() <= amount.decimals) {
        digits.insert(0, amount.decimals + 1 - digits.size(), '0');
    }
    std::string whole = digits.substr(0, digits.size() - amount.decimals);
    std::string fraction = digits.substr(digits.size() - amount.decimals);
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    return fraction.empty() ? whole : whole + "." + fraction;
}

Result<TokenAmount> parse_amount(std::string_view text, std::optional<std::uint8_t> decimals) {
    if (decimals && *decimals > kMaxAmountDecimals) {
        return fail(ErrorCode::TooManyDecimals, "an asset cannot have more than 19 decimals");
    }
    const std::size_t dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    const bool shape_ok = !whole.empty() && (dot == std::string_view::npos || !fraction.empty());
    bool digits_ok = shape_ok;
    for (const char c : whole) digits_ok = digits_ok && is_digit(c);
    for (const char c : fraction) digits_ok = digits_ok && is_digit(c);
    if (!digits_ok) {
        return fail(ErrorCode::InvalidAmount,
                    "an amount is digits with an optional '.' and more digits, like 1.5");
    }
    const std::size_t scale = decimals ? *decimals : fraction.size();
    if (fraction.size() > scale || fraction.size() > kMaxAmountDecimals) {
        return fail(
            ErrorCode::TooManyDecimals,
            "the amount has more decimal places than the asset (" + std::to_string(scale) + ")");
    }
    std::uint64_t value = 0;
    bool fits = true;
    for (const char c : whole) fits = fits && push_digit(value, static_cast<unsigned>(c - '0'));
    for (const char c : fraction) fits = fits && push_digit(value, static_cast<unsigned>(c - '0'));
    fits = fits && times_pow10(value, static_cast<unsigned>(scale - fraction.size()));
    if (!fits) return fail(ErrorCode::AmountOverflow, "the amount is too large");
    return TokenAmount{value, static_cast<std::uint8_t>(scale)};
}

Result<TokenAmount> rescale_amount(TokenAmount amount, std::uint8_t decimals) {
    if (decimals > kMaxAmountDecimals || amount.decimals > kMaxAmountDecimals) {
        return fail(ErrorCode::TooManyDecimals, "an asset cannot have more than 19 decimals");
    }
    std::uint64_t value = amount.minor_units;
    if (decimals >= amount.decimals) {
        if (!times_pow10(value, decimals - amount.decimals)) {
            return fail(ErrorCode::AmountOverflow, "the amount is too large");
        }
    } else {
        for (unsigned i = 0; i < static_cast<unsigned>(amount.decimals - decimals); ++i) {
            if (value % 10 != 0) {
                return fail(ErrorCode::TooManyDecimals,
                            "the amount has more decimal places than " + std::to_string(decimals));
            }
            value /= 10;
        }
    }
    return TokenAmount{value, decimals};
}

Result<std::string> encode_transfer_request(const TransferRequest& request) {
    QueryParams params;
    if (request.amount) {
        if (request.amount->decimals > kMaxAmountDecimals) {
            return bad("amount", "an asset cannot have more than 19 decimals");
        }
        if (!request.spl_token && written_fraction_digits(*request.amount) > kSolDecimals) {
            return bad("amount", "a SOL amount cannot be smaller than one lamport (9 decimals)");
        }
        params.push_back({"amount", format_amount(*request.amount)});
    }
    if (request.spl_token) params.push_back({"spl-token", request.spl_token->to_base58()});
    if (request.references.size() > kMaxReferences) {
        return bad("reference", "a transfer request carries at most 16 references");
    }
    for (const auto& reference : request.references) {
        params.push_back({"reference", reference.to_base58()});
    }
    const std::pair<const char*, const std::string*> texts[] = {
        {"label", &request.label}, {"message", &request.message}, {"memo", &request.memo}};
    for (const auto& [name, value] : texts) {
        if (value->empty()) continue;
        if (!is_valid_utf8(*value)) return bad(name, std::string(name) + " is not valid UTF-8");
        params.push_back({name, *value});
    }
    if (!request.redirect.empty()) {
        if (!is_valid_redirect(request.redirect)) {
            return bad("redirect", "redirect must be an absolute https or solana: URL");
        }
        params.push_back({"redirect", request.redirect});
    }
    std::string url = std::string(kSolanaScheme) + ":" + request.recipient.to_base58();
    if (!params.empty()) url += "?" + build_query(params);
    if (url.size() > kMaxUrlLength) {
        return bad("url",
                   "the URL would be longer than 2048 characters; shorten label, message or memo");
    }
    return url;
}

Result<TransferRequest> parse_transfer_request(std::string_view url,
                                               std::optional<std::uint8_t> token_decimals) {
    auto parts = split_solana_url(url);
    if (!parts) return parts.error();
    if (is_transaction_request_path(parts->pathname)) {
        return bad("recipient", "this is a transaction request link, not a transfer request");
    }
    const QueryParams& params = parts->params;
    for (const std::string_view single :
         {"amount", "spl-token", "label", "message", "memo", "redirect"}) {
        HILT_TRY(require_at_most_once(params, single));
    }

    TransferRequest request;
    auto recipient = solana::PublicKey::parse(parts->pathname);
    if (!recipient) return bad("recipient", "recipient is not a base58 32-byte address");
    request.recipient = *recipient;

    if (auto mint = find_param(params, "spl-token")) {
        auto key = solana::PublicKey::parse(*mint);
        if (!key) return bad("spl-token", "spl-token is not a base58 32-byte mint address");
        request.spl_token = *key;
    }
    if (auto amount_text = find_param(params, "amount")) {
        const std::optional<std::uint8_t> decimals =
            request.spl_token ? token_decimals : std::optional<std::uint8_t>(kSolDecimals);
        auto amount = parse_amount(*amount_text, decimals);
        if (!amount) return bad("amount", amount.error().message);
        request.amount = *amount;
    }
    for (const auto& param : params) {
        if (param.key != "reference") continue;
        if (request.references.size() == kMaxReferences) {
            return bad("reference", "a transfer request carries at most 16 references");
        }
        auto key = solana::PublicKey::parse(param.value);
        if (!key) return bad("reference", "reference is not a base58 32-byte value");
        request.references.push_back(*key);
    }
    request.label = find_param(params, "label").value_or("");
    request.message = find_param(params, "message").value_or("");
    request.memo = find_param(params, "memo").value_or("");
    request.redirect = find_param(params, "redirect").value_or("");
    if (!request.redirect.empty() && !is_valid_redirect(request.redirect)) {
        return bad("redirect", "redirect must be an absolute https or solana: URL");
    }
    return request;
}

}  // namespace hilt::solanapay
