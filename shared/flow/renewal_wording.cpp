// shared/flow/renewal_wording.cpp: see renewal_wording.h.
#include "flow/renewal_wording.h"

#include <algorithm>
#include <cstdint>

#include "money/money.h"

namespace hilt::flow {

namespace {

std::string price_words(const RenewalPrice& price) {
    return money_words(price.amount_minor_units, price.decimals, price.asset_symbol);
}

}  // namespace

std::optional<RenewalPrice> renewal_price(const models::PublicCheckout& payload) {
    if (!payload.membership_enabled ||
        payload.membership_renewal_mode != models::RenewalMode::Automatic) {
        return std::nullopt;
    }
    return RenewalPrice{payload.amount_minor_units, payload.decimals, payload.asset_symbol,
                        payload.membership_billing_interval_days, payload.membership_allowance_periods};
}

std::string money_words(std::int64_t amount_minor_units, std::uint8_t decimals,
                        std::string_view symbol) {
    auto text = money::format_display(amount_minor_units, decimals);
    return (text ? *text : std::to_string(amount_minor_units)) + " " + std::string(symbol);
}

// Howard Hinnant's days-from-civil, inverted.
std::string date_words(models::Timestamp time) {
    static constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                              "May",     "June",     "July",      "August",
                                              "September", "October", "November", "December"};
    std::int64_t days = time.unix_seconds / 86400;
    if (time.unix_seconds % 86400 < 0) --days;
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const std::int64_t doe = days - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    return std::to_string(day) + " " + kMonths[month - 1] + " " + std::to_string(year);
}

std::string every_words(const std::optional<std::int64_t>& days) {
    if (!days || *days <= 0) return {};
    if (*days == 1) return " every day";
    return " every " + std::to_string(*days) + " days";
}

std::string short_address(const solana::PublicKey& key) {
    const std::string text = key.to_base58();
    if (text.size() <= 9) return text;
    return text.substr(0, 4) + "\u2026" + text.substr(text.size() - 4);
}

std::string renewal_terms_text(const RenewalPrice& price) {
    const std::string often = every_words(price.interval_days);
    std::string text = "Renews automatically: " + price_words(price) + (often.empty() ? " each period" : often) +
                       " until you cancel. To renew, you approve Hilt to take ";
    if (price.allowance_periods && *price.allowance_periods > 0 &&
        *price.allowance_periods <= INT64_MAX / std::max<std::int64_t>(price.amount_minor_units, 1)) {
        const auto periods = *price.allowance_periods;
        return text + "up to " +
               money_words(periods * price.amount_minor_units, price.decimals, price.asset_symbol) +
               " from your wallet's " + price.asset_symbol + ", for up to " + std::to_string(periods) +
               (periods == 1 ? " renewal." : " renewals.");
    }
    return text + "these payments from your wallet's " + price.asset_symbol + "; the limit is shown before you sign.";
}

std::string approval_text(const models::RenewalApproval& approval, const RenewalPrice& price) {
    const auto& symbol = price.asset_symbol;
    const auto money = [&](std::int64_t amount) {
        return money_words(amount, price.decimals, symbol);
    };
    // What this subscription adds to the account's approval: the whole approval less what the
    // buyer's other Hilt subscriptions keep (the server sets periods x price; never state less).
    const std::int64_t existing =
        std::max<std::int64_t>(approval.existing_allowance_minor_units, 0);
    std::int64_t added = approval.allowance_minor_units - existing;
    if (added <= 0) added = approval.allowance_minor_units;

    const std::string often = every_words(price.interval_days);
    std::string text = "Renews automatically. You also allow Hilt to take up to " + money(added) +
                       " from this wallet's " + symbol + ": " + price_words(price) +
                       (often.empty() ? " per renewal" : often);
    if (approval.allowance_periods > 0) {
        text += ", for up to " + std::to_string(approval.allowance_periods) +
                (approval.allowance_periods == 1 ? " renewal" : " renewals");
    }
    text += ".";
    if (existing > 0) {
        text += " Your other Hilt subscriptions keep their approval (" + money(existing) +
                "); the new total is " + money(approval.allowance_minor_units) + ".";
    }
    if (approval.replaces_delegate) {
        text += " This replaces the spending approval this " + symbol + " account gave to " +
                short_address(*approval.replaces_delegate) + ".";
    }
    text += " Cancel any time by revoking this approval in your wallet.";
    return text;
}

}  // namespace hilt::flow
