// tests/oracle/ops_money.cpp: money operations for tests/oracle/money.test.mjs (BigInt is the oracle).
// Amounts travel as decimal strings: int64 values beyond 2^53 do not survive a JS number.
#include <string>

#include "money/money.h"
#include "oracle/oracle.h"

namespace hilt::oracle {
namespace {

nlohmann::json error_json(const Error& error) {
    return {{"error", std::string(to_string(error.code))}, {"message", error.message}};
}

// {"amount":"<int64>", "bps":n} -> {"fee":"…", "merchant_amount":"…"}
nlohmann::json money_split_fee(const nlohmann::json& request) {
    const auto amount = std::stoll(request.at("amount").get<std::string>());
    auto split = money::split_fee(amount, request.at("bps").get<std::uint32_t>());
    if (!split) return error_json(split.error());
    return {{"fee", std::to_string(split->fee)},
            {"merchant_amount", std::to_string(split->merchant_amount)}};
}

// {"amount":"<int64>", "decimals":n} -> {"canonical", "display"}
nlohmann::json money_format(const nlohmann::json& request) {
    const auto amount = std::stoll(request.at("amount").get<std::string>());
    const auto decimals = request.at("decimals").get<std::uint8_t>();
    auto canonical = money::format_decimal(amount, decimals);
    if (!canonical) return error_json(canonical.error());
    return {{"canonical", *canonical}, {"display", money::format_display(amount, decimals).value()}};
}

// {"text", "decimals"} -> {"minor_units":"…"}
nlohmann::json money_parse(const nlohmann::json& request) {
    auto value = money::parse_decimal(request.at("text").get<std::string>(),
                                      request.at("decimals").get<std::uint8_t>());
    if (!value) return error_json(value.error());
    return {{"minor_units", std::to_string(*value)}};
}

}  // namespace

HILT_ORACLE_OP("money_split_fee", money_split_fee);
HILT_ORACLE_OP("money_format", money_format);
HILT_ORACLE_OP("money_parse", money_parse);

}  // namespace hilt::oracle
