// shared/models/product.cpp: product validation, merge and JSON (see product.h).
#include "models/product.h"

#include "money/money.h"

namespace hilt::models {
namespace {

auto title_text() { return text({.min_chars = 1, .max_chars = kMaxTitleChars}); }
auto description_text() {
    return text({.max_chars = kMaxDescriptionChars, .multi_line = true});
}
auto delivery_text() {
    return text({.min_chars = 1, .max_chars = kMaxDeliveryValueChars, .multi_line = true});
}
auto amount() { return integer(1, kMaxJsonInteger); }
auto metadata() {
    return [](const Json& j) { return read_metadata(j); };
}
auto known_mint() {
    return [](const Json& j) -> Result<PublicKey> {
        auto key = read_public_key(j);
        if (!key) return key.error();
        HILT_TRY(validate_token_mint(*key));
        return key;
    };
}

}  // namespace

// ---- rules ----------------------------------------------------------------------------------------

Status validate_delivery(DeliveryType type, const std::optional<std::string>& value) {
    if (type == DeliveryType::None) {
        if (value) {
            return fail(ErrorCode::InvalidValue, "must be absent when delivery_type is NONE",
                        "delivery_value");
        }
        return {};
    }
    if (!value) {
        return fail(ErrorCode::MissingField, "is required unless delivery_type is NONE",
                    "delivery_value");
    }
    if (type == DeliveryType::Redirect || type == DeliveryType::InviteLink) {
        if (auto url = validate_https_url(*value); !url) return at("delivery_value", url.error());
    }
    return {};
}

Status validate_membership_config(const MembershipConfig& config) {
    if (!config.enabled) return {};
    const auto missing = [](const char* field, const char* why) {
        return fail(ErrorCode::MissingField, why, field);
    };
    if (!config.platform) return missing("platform", "is required when membership is enabled");
    if (!config.identity_type) {
        return missing("identity_type", "is required when membership is enabled");
    }
    if (!config.renewal_mode) {
        return missing("renewal_mode", "is required when membership is enabled");
    }
    if (*config.renewal_mode == RenewalMode::Automatic && !config.billing_interval_days) {
        return missing("billing_interval_days", "is required for AUTOMATIC renewal");
    }
    return {};
}

Status validate_token_mint(const PublicKey& mint) {
    if (!money::find_asset_by_mint(mint)) {
        return fail(ErrorCode::UnknownAsset, "must be the mint of a supported asset (USDC or SOL)");
    }
    return {};
}

Status validate_renewal_asset(const std::optional<MembershipConfig>& config, const PublicKey& mint) {
    if (!config || !config->enabled || config->renewal_mode != RenewalMode::Automatic) return {};
    auto asset = money::find_asset_by_mint(mint);
    if (!asset || !asset->asset->native) return {};
    return fail(ErrorCode::InvalidValue,
                "AUTOMATIC renewal needs USDC: SOL moves by System transfer, which cannot be delegated, and "
                "automatic renewal takes each period's payment through an SPL Token delegation",
                "membership_config.renewal_mode");
}

// ---- metadata -------------------------------------------------------------------------------------

Result<Metadata> read_metadata(const Json& json) {
    if (!json.is_object()) return fail(ErrorCode::WrongType, "must be an object of strings");
    if (json.size() > kMaxMetadataKeys) {
        return fail(ErrorCode::TooMany, "at most " + std::to_string(kMaxMetadataKeys) + " keys");
    }
    Metadata out;
    for (const auto& item : json.items()) {
        const std::string& key = item.key();
        auto key_text = read_text(Json(key), {.min_chars = 1, .max_chars = kMaxMetadataKeyChars});
        if (!key_text) {
            Error error = key_text.error();
            error.message = "key " + error.message;
            return at(key, std::move(error));
        }
        auto value = read_text(item.value(), {.max_chars = kMaxMetadataValueChars, .multi_line = true});
        if (!value) return at(key, value.error());
        out.emplace(key, std::move(value).value());
    }
    return out;
}

Json to_json(const Metadata& metadata) {
    Json json = Json::object();
    for (const auto& [key, value] : metadata) json[key] = value;
    return json;
}

// ---- membership_config ------------------------------------------------------------------------------

Status from_json(const Json& json, MembershipConfig& out) {
    ObjectReader r(json);
    r.required("enabled", out.enabled, boolean());
    r.optional("platform", out.platform, enumeration<Platform>());
    r.optional("identity_type", out.identity_type, enumeration<IdentityType>());
    r.optional("renewal_mode", out.renewal_mode, enumeration<RenewalMode>());
    r.optional("billing_interval_days", out.billing_interval_days,
               integer(kMinBillingIntervalDays, kMaxBillingIntervalDays));
    r.optional("grace_period_days", out.grace_period_days, integer(0, kMaxGracePeriodDays));
    HILT_TRY(r.finish());
    return validate_membership_config(out);
}

Json to_json(const MembershipConfig& value) {
    Json json = {{"enabled", value.enabled}};
    put_optional(json, "platform", value.platform);
    put_optional(json, "identity_type", value.identity_type);
    put_optional(json, "renewal_mode", value.renewal_mode);
    put_optional(json, "billing_interval_days", value.billing_interval_days);
    put_optional(json, "grace_period_days", value.grace_period_days);
    return json;
}

// ---- ProductRequest -------------------------------------------------------------------------------

Status from_json(const Json& json, ProductRequest& out) {
    ObjectReader r(json);
    r.required("product_type", out.product_type, enumeration<ProductType>());
    r.required("title", out.title, title_text());
    r.optional("description", out.description, description_text());
    r.required("amount_minor_units", out.amount_minor_units, amount());
    r.optional("token_mint", out.token_mint, known_mint());
    r.required("merchant_wallet", out.merchant_wallet, public_key());
    r.required("delivery_type", out.delivery_type, enumeration<DeliveryType>());
    r.optional("delivery_value", out.delivery_value, delivery_text());
    r.optional("membership_config", out.membership_config, model<MembershipConfig>());
    r.optional("metadata", out.metadata, metadata());
    HILT_TRY(r.finish());
    HILT_TRY(validate_delivery(out.delivery_type, out.delivery_value));
    // No token_mint: the server's USDC, which AUTOMATIC accepts.
    if (out.token_mint) HILT_TRY(validate_renewal_asset(out.membership_config, *out.token_mint));
    return {};
}

Json to_json(const ProductRequest& value) {
    Json json = {{"product_type", to_wire(value.product_type)},
                 {"title", value.title},
                 {"amount_minor_units", value.amount_minor_units},
                 {"merchant_wallet", to_wire(value.merchant_wallet)},
                 {"delivery_type", to_wire(value.delivery_type)}};
    put_optional(json, "description", value.description);
    put_optional(json, "token_mint", value.token_mint);
    put_optional(json, "delivery_value", value.delivery_value);
    put_optional(json, "membership_config", value.membership_config);
    if (value.metadata) json["metadata"] = to_json(*value.metadata);
    return json;
}

// ---- ProductUpdate --------------------------------------------------------------------------------

Status from_json(const Json& json, ProductUpdate& out) {
    ObjectReader r(json);
    r.update("title", out.title, title_text(), false);
    r.update("description", out.description, description_text(), true);
    r.update("amount_minor_units", out.amount_minor_units, amount(), false);
    r.update("token_mint", out.token_mint, known_mint(), false);
    r.update("merchant_wallet", out.merchant_wallet, public_key(), false);
    r.update("delivery_type", out.delivery_type, enumeration<DeliveryType>(), false);
    r.update("delivery_value", out.delivery_value, delivery_text(), true);
    r.update("membership_config", out.membership_config, model<MembershipConfig>(), true);
    r.update("metadata", out.metadata, metadata(), true);
    return r.finish();
}

namespace {
template <typename T, typename Write>
void put_update(Json& json, const char* key, const Update<T>& update, Write write) {
    if (update.is_null()) json[key] = nullptr;
    if (update.has_value()) json[key] = write(*update.value);
}
}  // namespace

Json to_json(const ProductUpdate& value) {
    Json json = Json::object();
    const auto wire = [](const auto& v) { return to_wire(v); };
    put_update(json, "title", value.title, wire);
    put_update(json, "description", value.description, wire);
    put_update(json, "amount_minor_units", value.amount_minor_units, wire);
    put_update(json, "token_mint", value.token_mint, wire);
    put_update(json, "merchant_wallet", value.merchant_wallet, wire);
    put_update(json, "delivery_type", value.delivery_type, wire);
    put_update(json, "delivery_value", value.delivery_value, wire);
    put_update(json, "membership_config", value.membership_config, wire);
    put_update(json, "metadata", value.metadata, [](const Metadata& m) { return to_json(m); });
    return json;
}

// ---- Product --------------------------------------------------------------------------------------

Status from_json(const Json& json, Product& out) {
    ObjectReader r(json);
    r.required("product_id", out.product_id, id(kProductIdPrefix));
    r.required("slug", out.slug, slug());
    r.required("status", out.status, enumeration<ProductStatus>());
    r.required("product_type", out.product_type, enumeration<ProductType>());
    r.required("title", out.title, title_text());
    r.optional("description", out.description, description_text());
    r.required("amount_minor_units", out.amount_minor_units, amount());
    r.required("token_mint", out.token_mint, known_mint());
    r.required("merchant_wallet", out.merchant_wallet, public_key());
    r.required("delivery_type", out.delivery_type, enumeration<DeliveryType>());
    r.optional("delivery_value", out.delivery_value, delivery_text());
    r.optional("membership_config", out.membership_config, model<MembershipConfig>());
    r.with_default("metadata", out.metadata, metadata());
    r.required("checkout_url", out.checkout_url, service_url());
    r.required("created_at", out.created_at, timestamp());
    r.required("updated_at", out.updated_at, timestamp());
    HILT_TRY(r.finish());
    return validate_delivery(out.delivery_type, out.delivery_value);
}

Json to_json(const Product& value) {
    Json json = {{"product_id", value.product_id},
                 {"slug", value.slug},
                 {"status", to_wire(value.status)},
                 {"product_type", to_wire(value.product_type)},
                 {"title", value.title},
                 {"amount_minor_units", value.amount_minor_units},
                 {"token_mint", to_wire(value.token_mint)},
                 {"merchant_wallet", to_wire(value.merchant_wallet)},
                 {"delivery_type", to_wire(value.delivery_type)},
                 {"metadata", to_json(value.metadata)},
                 {"checkout_url", value.checkout_url},
                 {"created_at", to_wire(value.created_at)},
                 {"updated_at", to_wire(value.updated_at)}};
    put_optional(json, "description", value.description);
    put_optional(json, "delivery_value", value.delivery_value);
    put_optional(json, "membership_config", value.membership_config);
    return json;
}

// ---- operations -----------------------------------------------------------------------------------

Product make_product(const ProductRequest& request, std::string product_id, std::string slug,
                     std::string checkout_url, Timestamp now, const PublicKey& default_mint) {
    Product product;
    product.product_id = std::move(product_id);
    product.slug = std::move(slug);
    product.status = ProductStatus::Active;
    product.product_type = request.product_type;
    product.title = request.title;
    product.description = request.description;
    product.amount_minor_units = request.amount_minor_units;
    product.token_mint = request.token_mint.value_or(default_mint);
    product.merchant_wallet = request.merchant_wallet;
    product.delivery_type = request.delivery_type;
    product.delivery_value = request.delivery_value;
    product.membership_config = request.membership_config;
    product.metadata = request.metadata.value_or(Metadata{});
    product.checkout_url = std::move(checkout_url);
    product.created_at = now;
    product.updated_at = now;
    return product;
}

namespace {
template <typename T>
void merge(std::optional<T>& field, const Update<T>& update) {
    if (update.is_null()) field.reset();
    if (update.has_value()) field = *update.value;
}
template <typename T>
void merge(T& field, const Update<T>& update) {
    if (update.has_value()) field = *update.value;
}
}  // namespace

Result<Product> apply_update(const Product& product, const ProductUpdate& update, Timestamp now) {
    Product merged = product;
    merge(merged.title, update.title);
    merge(merged.description, update.description);
    merge(merged.amount_minor_units, update.amount_minor_units);
    merge(merged.token_mint, update.token_mint);
    merge(merged.merchant_wallet, update.merchant_wallet);
    merge(merged.delivery_type, update.delivery_type);
    merge(merged.delivery_value, update.delivery_value);
    merge(merged.membership_config, update.membership_config);
    if (update.metadata.is_null()) merged.metadata.clear();
    if (update.metadata.has_value()) merged.metadata = *update.metadata.value;
    HILT_TRY(validate_delivery(merged.delivery_type, merged.delivery_value));
    // The merged pair: a new renewal_mode against the stored asset, a new asset against the stored
    // renewal_mode.
    HILT_TRY(validate_renewal_asset(merged.membership_config, merged.token_mint));
    merged.updated_at = now;
    return merged;
}

Result<PublicCheckout> make_public_checkout(const Product& product, CheckoutConfig checkout_config) {
    auto asset = money::find_asset_by_mint(product.token_mint);
    if (!asset) return at("token_mint", asset.error());
    PublicCheckout out;
    out.product_id = product.product_id;
    out.slug = product.slug;
    out.title = product.title;
    out.description = product.description;
    out.amount_minor_units = product.amount_minor_units;
    out.asset_symbol = std::string(asset->asset->symbol);
    out.decimals = asset->asset->decimals;
    out.token_mint = product.token_mint;
    out.merchant_wallet = product.merchant_wallet;
    if (product.membership_config && product.membership_config->enabled) {
        const MembershipConfig& config = *product.membership_config;
        out.membership_enabled = true;
        out.membership_platform = config.platform;
        out.membership_identity_type = config.identity_type;
        out.membership_renewal_mode = config.renewal_mode;
        out.membership_billing_interval_days = config.billing_interval_days;
        out.membership_grace_period_days = config.grace_period_days;
    }
    out.checkout_config = std::move(checkout_config);
    return out;
}

}  // namespace hilt::models
