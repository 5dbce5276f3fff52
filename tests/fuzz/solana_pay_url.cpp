// tests/fuzz/solana_pay_url.cpp: the Solana Pay URL parser (parse_solana_pay_url, which dispatches to
// parse_transfer_request and parse_transaction_request).
//
// Input: the first byte chooses the mint's decimals the caller knows (0..19, or none for 20..255), the
// rest is the URL.
// Invariants, for every URL the parser accepts:
//  - a transfer request encodes (encode_transfer_request, @solana/pay's encodeURL) unless its canonical
//    form exceeds kMaxUrlLength (the input may spell text more briefly, e.g. a raw ';'), and the encoding
//    parses back to the same request; the amount may come back with fewer decimals when the caller
//    did not know the mint's (trailing zeros are not written), but never with another value;
//  - encoding is canonical: encode(parse(encode(x))) == encode(x);
//  - a transaction request likewise round-trips exactly through encode_transaction_request (the same
//    length exception).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "solanapay/solana_url.h"

#include "fuzz_support.h"

namespace {

using namespace hilt;
using namespace hilt::solanapay;
using fuzz::require;

bool same_amount(const std::optional<TokenAmount>& a, const std::optional<TokenAmount>& b) {
    if (!a || !b) return !a && !b;
    const std::uint8_t decimals = std::max(a->decimals, b->decimals);
    auto left = rescale_amount(*a, decimals);
    auto right = rescale_amount(*b, decimals);
    return left && right && *left == *right;
}

// A URL may spell its text more briefly than the canonical form does (a raw ';' that encoding writes as
// %3B): near the length limit its canonical form is too long, which encoding must refuse as "url".
bool refused_only_for_length(const Error& error) {
    return error.code == ErrorCode::InvalidSolanaPayUrl && error.field == "url";
}

void transfer(const TransferRequest& request, std::optional<std::uint8_t> decimals) {
    auto url = encode_transfer_request(request);
    if (!url && refused_only_for_length(url.error())) return;
    require(static_cast<bool>(url), "an accepted transfer request does not encode");
    auto again = parse_transfer_request(*url, decimals);
    require(static_cast<bool>(again), "an encoded transfer request does not parse");
    require(same_amount(again->amount, request.amount), "the amount changed value in a round trip");
    TransferRequest without_amount = *again;
    without_amount.amount = request.amount;
    require(without_amount == request, "a transfer request changed in a round trip");
    auto url_again = encode_transfer_request(*again);
    require(url_again && *url_again == *url, "encoding a transfer request is not canonical");
}

void transaction(const TransactionRequest& request) {
    auto url = encode_transaction_request(request);
    if (!url && refused_only_for_length(url.error())) return;
    require(static_cast<bool>(url), "an accepted transaction request does not encode");
    auto again = parse_transaction_request(*url);
    require(again && *again == request, "a transaction request changed in a round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::optional<std::uint8_t> decimals =
        data[0] <= kMaxAmountDecimals ? std::optional<std::uint8_t>(data[0]) : std::nullopt;
    const std::string_view url(reinterpret_cast<const char*>(data + 1), size - 1);
    auto parsed = parse_solana_pay_url(url, decimals);
    if (!parsed) return 0;
    if (const auto* request = std::get_if<TransferRequest>(&*parsed)) {
        transfer(*request, decimals);
    } else {
        transaction(std::get<TransactionRequest>(*parsed));
    }
    return 0;
}
