// shared/models/product.h: the merchant's product (api.md "Merchant routes", the seed's "Product request
// fields"): create request, PATCH update, stored product, membership_config and metadata.
//
// Owns: the product's validation rules and the projection to the buyer-facing PublicCheckout.
// Must never: let a client set product_id, slug, status, checkout_url or timestamps (they are unknown fields
// in ProductRequest and ProductUpdate), or let delivery_value/metadata reach PublicCheckout.
//
// Rules (api.md): title 1..120 code points, no control characters; description <= 2000 code points
// (newlines allowed); amount_minor_units 1..2^53-1; token_mint and merchant_wallet base58 32-byte keys,
// token_mint one of the asset table's mints (money.h; USDC or SOL, mainnet or devnet), default chosen by the
// server; delivery_value required unless delivery_type is NONE, absent for NONE, an https URL for REDIRECT
// and INVITE_LINK, <= 2000 code points for MESSAGE; membership_config below; metadata <= 50 keys of
// 1..40 code points with string values <= 500 code points.
//
// membership_config: `enabled` is required. When enabled, platform, identity_type and renewal_mode are
// required; billing_interval_days (1..366) is required for AUTOMATIC and optional for ONE_OFF (an access
// length; absent means no end); grace_period_days is 0..60 (absent means 0). AUTOMATIC needs an SPL token
// asset (USDC), never SOL (validate_renewal_asset). Whether AUTOMATIC is allowed for the workspace is the
// server's check.
//
// PATCH (ProductUpdate): an absent field is left unchanged. An explicit null clears the fields that can be
// empty (description, delivery_value, membership_config, metadata) and is wrong_type for the others.
// membership_config and metadata are replaced as a whole, never merged. apply_update re-checks the
// cross-field rules on the merged product (e.g. switching delivery_type to REDIRECT needs a delivery_value).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "models/checkout.h"
#include "models/common.h"
#include "models/json_reader.h"

namespace hilt::models {

inline constexpr std::size_t kMaxMetadataKeys = 50;        // api.md
inline constexpr std::size_t kMaxMetadataKeyChars = 40;    // api.md
inline constexpr std::size_t kMaxMetadataValueChars = 500;  // api.md
inline constexpr std::int64_t kMinBillingIntervalDays = 1;
inline constexpr std::int64_t kMaxBillingIntervalDays = 366;  // api.md: at most a (leap) year
inline constexpr std::int64_t kMaxGracePeriodDays = 60;       // api.md

using Metadata = std::map<std::string, std::string>;

struct MembershipConfig {
    bool enabled = false;
    std::optional<Platform> platform;
    std::optional<IdentityType> identity_type;
    std::optional<RenewalMode> renewal_mode;
    std::optional<std::int64_t> billing_interval_days;
    std::optional<std::int64_t> grace_period_days;

    friend bool operator==(const MembershipConfig&, const MembershipConfig&) = default;
};

// POST /v1/products
struct ProductRequest {
    ProductType product_type = ProductType::PaymentLink;
    std::string title;
    std::optional<std::string> description;
    std::int64_t amount_minor_units = 0;
    std::optional<PublicKey> token_mint;  // absent: the server's configured USDC mint
    PublicKey merchant_wallet;
    DeliveryType delivery_type = DeliveryType::None;
    std::optional<std::string> delivery_value;
    std::optional<MembershipConfig> membership_config;
    std::optional<Metadata> metadata;

    friend bool operator==(const ProductRequest&, const ProductRequest&) = default;
};

// PATCH /v1/products/{product_id}
struct ProductUpdate {
    Update<std::string> title;
    Update<std::string> description;
    Update<std::int64_t> amount_minor_units;
    Update<PublicKey> token_mint;
    Update<PublicKey> merchant_wallet;
    Update<DeliveryType> delivery_type;
    Update<std::string> delivery_value;
    Update<MembershipConfig> membership_config;
    Update<Metadata> metadata;

    friend bool operator==(const ProductUpdate&, const ProductUpdate&) = default;
};

// The stored product as GET /v1/products/{product_id} returns it (metadata always present, maybe {}).
struct Product {
    std::string product_id;
    std::string slug;
    ProductStatus status = ProductStatus::Active;
    ProductType product_type = ProductType::PaymentLink;
    std::string title;
    std::optional<std::string> description;
    std::int64_t amount_minor_units = 0;
    PublicKey token_mint;
    PublicKey merchant_wallet;
    DeliveryType delivery_type = DeliveryType::None;
    std::optional<std::string> delivery_value;
    std::optional<MembershipConfig> membership_config;
    Metadata metadata;
    std::string checkout_url;
    Timestamp created_at;
    Timestamp updated_at;

    friend bool operator==(const Product&, const Product&) = default;
};

// Cross-field checks, also used after a merge. Errors name the field ("delivery_value",
// "membership_config.platform", "token_mint").
[[nodiscard]] Status validate_delivery(DeliveryType type, const std::optional<std::string>& value);
[[nodiscard]] Status validate_membership_config(const MembershipConfig& config);
[[nodiscard]] Status validate_token_mint(const PublicKey& mint);
// AUTOMATIC renewal takes each period's payment as the buyer's SPL Token delegate (an approval given at
// the first checkout). SOL moves by System transfer, which cannot be delegated, so an enabled AUTOMATIC
// membership on a native asset (SOL) is invalid_value on "membership_config.renewal_mode". A mint outside
// the asset table is left to validate_token_mint.
[[nodiscard]] Status validate_renewal_asset(const std::optional<MembershipConfig>& config,
                                            const PublicKey& mint);

// A new ACTIVE product from a validated request; the caller supplies ids, URL, clock and default mint.
Product make_product(const ProductRequest& request, std::string product_id, std::string slug,
                     std::string checkout_url, Timestamp now, const PublicKey& default_mint);
// The merged product (updated_at = now), or the first rule the merge breaks.
[[nodiscard]] Result<Product> apply_update(const Product& product, const ProductUpdate& update,
                                           Timestamp now);
// The buyer-facing payload: no delivery_value, no metadata. unknown_asset if the mint is not in the table.
[[nodiscard]] Result<PublicCheckout> make_public_checkout(const Product& product,
                                                          CheckoutConfig checkout_config);

[[nodiscard]] Result<Metadata> read_metadata(const Json& json);
Json to_json(const Metadata& metadata);

[[nodiscard]] Status from_json(const Json& json, MembershipConfig& out);
Json to_json(const MembershipConfig& value);
[[nodiscard]] Status from_json(const Json& json, ProductRequest& out);
Json to_json(const ProductRequest& value);
[[nodiscard]] Status from_json(const Json& json, ProductUpdate& out);
Json to_json(const ProductUpdate& value);  // absent omitted, cleared written as null
[[nodiscard]] Status from_json(const Json& json, Product& out);
Json to_json(const Product& value);

}  // namespace hilt::models
