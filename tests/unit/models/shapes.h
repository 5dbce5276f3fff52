// tests/unit/models/shapes.h: every wire shape by name, so the golden, invalid-fixture and hostile-input
// tests can treat them uniformly. Names match tests/fixtures/models/invalid/cases.json "shape".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/checkout.h"
#include "models/event.h"
#include "models/handoff.h"
#include "models/membership.h"
#include "models/product.h"
#include "models/receipt.h"

namespace hilt::models::test {

struct Shape {
    std::string_view name;
    // Parses the text; on success also re-emits it (the JSON value the shape writes back).
    Result<Json> (*round_trip)(std::string_view text);
    // Parses, dumps and parses again: true when the second value equals the first.
    bool (*stable)(std::string_view text);
    // Reads an already-built JSON value, skipping the text gate (as server code may do).
    Status (*read)(const Json& json);
};

template <typename T>
Result<Json> round_trip(std::string_view text) {
    auto value = parse<T>(text);
    if (!value) return value.error();
    return to_json(*value);
}

template <typename T>
bool stable(std::string_view text) {
    auto first = parse<T>(text);
    if (!first) return true;
    auto second = parse<T>(dump(*first));
    return second && *second == *first;
}

template <typename T>
Status read(const Json& json) {
    T out{};
    return from_json(json, out);
}

template <typename T>
constexpr Shape shape(std::string_view name) {
    return Shape{name, &round_trip<T>, &stable<T>, &read<T>};
}

inline const std::vector<Shape>& all_shapes() {
    static const std::vector<Shape> kShapes = {
        shape<ProductRequest>("product_request"),
        shape<ProductUpdate>("product_update"),
        shape<Product>("product"),
        shape<ListPage<Product>>("product_list"),
        shape<MembershipConfig>("membership_config"),
        shape<PublicCheckout>("public_checkout"),
        shape<ConnectRequest>("connect_request"),
        shape<ConnectResponse>("connect_response"),
        shape<Payment>("payment"),
        shape<TransactionRequest>("transaction_request"),
        shape<TransactionResponse>("transaction_response"),
        shape<BroadcastRequest>("broadcast_request"),
        shape<BroadcastResponse>("broadcast_response"),
        shape<ConfirmRequest>("confirm_request"),
        shape<ConfirmResponse>("confirm_response"),
        shape<HandoffLinkRequest>("handoff_link_request"),
        shape<HandoffLinkResponse>("handoff_link_response"),
        shape<HandoffClaims>("handoff_claims"),
        shape<HandoffResolveRequest>("handoff_resolve_request"),
        shape<HandoffResolveResponse>("handoff_resolve_response"),
        shape<Membership>("membership"),
        shape<Receipt>("receipt"),
        shape<Event>("event"),
        shape<ErrorBody>("error_body"),
    };
    return kShapes;
}

inline const Shape* find_shape(std::string_view name) {
    for (const Shape& s : all_shapes()) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

// Valid golden fixtures (tests/fixtures/models/<file>) and the shape each one is.
struct GoldenFixture {
    std::string_view file;
    std::string_view shape;
};

inline const std::vector<GoldenFixture>& golden_fixtures() {
    static const std::vector<GoldenFixture> kFixtures = {
        {"product_request.json", "product_request"},
        {"product_update.json", "product_update"},
        {"product.json", "product"},
        {"product_list.json", "product_list"},
        {"public_checkout.json", "public_checkout"},
        {"connect_request.json", "connect_request"},
        {"connect_response.json", "connect_response"},
        {"payment.json", "payment"},
        {"payment_expired.json", "payment"},
        {"transaction_request.json", "transaction_request"},
        {"transaction_response.json", "transaction_response"},
        {"transaction_response_automatic.json", "transaction_response"},
        {"broadcast_request.json", "broadcast_request"},
        {"broadcast_response.json", "broadcast_response"},
        {"confirm_request.json", "confirm_request"},
        {"confirm_response.json", "confirm_response"},
        {"confirm_response_pending.json", "confirm_response"},
        {"handoff_link_request.json", "handoff_link_request"},
        {"handoff_link_response.json", "handoff_link_response"},
        {"handoff_claims.json", "handoff_claims"},
        {"handoff_resolve_request.json", "handoff_resolve_request"},
        {"handoff_resolve_response.json", "handoff_resolve_response"},
        {"membership.json", "membership"},
        {"receipt.json", "receipt"},
        {"event.json", "event"},
        {"error_body.json", "error_body"},
    };
    return kFixtures;
}

}  // namespace hilt::models::test
