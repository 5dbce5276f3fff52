// tests/fuzz/request_bodies.cpp: every JSON request body hiltd parses, through the function its route
// calls (models::parse<T>, which is what routes/respond.h read_body<T> runs; POST /v1/receipts/verify
// reads a Receipt; the Solana Pay transaction-request POST reads solanapay::parse_post_body).
//
// Input: the first byte picks the body (modulo the list below), the rest is the body text.
// Invariants, for every body the parser accepts:
//  - parse -> serialise -> parse gives the same value (the unit tests' "stable" rule, shapes.h), and
//    serialising that value again gives the same text (one canonical form);
//  - the canonical text is accepted by the raw-text gate (the server's answers quote it back).
// The five bodies local to server/routes (NewKeyRequest, and the sandbox's AirdropRequest,
// FaultsRequest, ClockRequest, SendRequest) live in anonymous namespaces there; they are built from the
// same ObjectReader and value readers that these bodies exercise.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "models/checkout.h"
#include "models/handoff.h"
#include "models/json_reader.h"
#include "models/membership.h"
#include "models/product.h"
#include "models/receipt.h"
#include "models/support.h"
#include "models/webhook.h"
#include "solanapay/transaction_request.h"

#include "fuzz_support.h"

namespace {

using namespace hilt;

// Names the body on stderr, then aborts (fuzz::require).
[[noreturn]] void broken(const char* body, const char* what) {
    std::fprintf(stderr, "request_bodies: %s\n", body);
    fuzz::require(false, what);
    std::abort();
}

// For bodies the API writes back (to_json exists): the round trip must be exact.
template <typename T>
void round_trip(const char* name, std::string_view text) {
    auto first = models::parse<T>(text);
    if (!first) return;
    const std::string canonical = models::dump(*first);
    auto second = models::parse<T>(canonical);
    if (!second) broken(name, "its own serialisation does not parse back");
    if (!(*second == *first)) broken(name, "parse -> dump -> parse changed the value");
    if (models::dump(*second) != canonical) broken(name, "dumping the same value twice differs");
}

// For bodies with no to_json (webhook secret rotation and redelivery): parsing is deterministic.
template <typename T>
void parse_twice(const char* name, std::string_view text) {
    auto first = models::parse<T>(text);
    auto second = models::parse<T>(text);
    if (static_cast<bool>(first) != static_cast<bool>(second)) broken(name, "two parses disagree");
    if (first && !(*first == *second)) broken(name, "two parses give different values");
}

void solana_pay_post_body(std::string_view text) {
    auto first = solanapay::parse_post_body(text);
    if (!first) return;
    const std::string canonical = solanapay::to_json(*first);
    auto second = solanapay::parse_post_body(canonical);
    if (!second || !(*second == *first)) broken("solana_pay_post_body", "to_json does not parse back");
}

using Fuzz = void (*)(std::string_view);

// The order is the seed files' first byte (make_seeds.cpp): append, never reorder.
constexpr Fuzz kBodies[] = {
    [](std::string_view t) { round_trip<models::ConnectRequest>("ConnectRequest", t); },
    [](std::string_view t) { round_trip<models::HandoffResolveRequest>("HandoffResolveRequest", t); },
    [](std::string_view t) { round_trip<models::TransactionRequest>("TransactionRequest", t); },
    [](std::string_view t) { round_trip<models::BroadcastRequest>("BroadcastRequest", t); },
    [](std::string_view t) { round_trip<models::ConfirmRequest>("ConfirmRequest", t); },
    [](std::string_view t) { round_trip<models::ManageTransactionRequest>("ManageTransactionRequest", t); },
    [](std::string_view t) { round_trip<models::ManageSubmitRequest>("ManageSubmitRequest", t); },
    [](std::string_view t) { round_trip<models::HandoffLinkRequest>("HandoffLinkRequest", t); },
    [](std::string_view t) { round_trip<models::MembershipCancelRequest>("MembershipCancelRequest", t); },
    [](std::string_view t) { round_trip<models::ProductRequest>("ProductRequest", t); },
    [](std::string_view t) { round_trip<models::ProductUpdate>("ProductUpdate", t); },
    [](std::string_view t) { round_trip<models::Receipt>("Receipt", t); },
    [](std::string_view t) { round_trip<models::SupportCaseRequest>("SupportCaseRequest", t); },
    [](std::string_view t) { round_trip<models::SupportCaseCloseRequest>("SupportCaseCloseRequest", t); },
    [](std::string_view t) { round_trip<models::DeliveryUpdateRequest>("DeliveryUpdateRequest", t); },
    [](std::string_view t) { round_trip<models::WebhookEndpointRequest>("WebhookEndpointRequest", t); },
    [](std::string_view t) { parse_twice<models::RotateSecretRequest>("RotateSecretRequest", t); },
    [](std::string_view t) { parse_twice<models::RedeliverRequest>("RedeliverRequest", t); },
    [](std::string_view t) { solana_pay_post_body(t); },
};
constexpr std::size_t kBodyCount = sizeof(kBodies) / sizeof(kBodies[0]);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    kBodies[data[0] % kBodyCount](text);
    return 0;
}
