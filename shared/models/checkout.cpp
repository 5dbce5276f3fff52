// shared/models/checkout.cpp: JSON of the public checkout shapes (see checkout.h).
#include "models/checkout.h"

namespace hilt::models {
namespace {

auto amount() { return integer(1, kMaxJsonInteger); }
auto non_negative_amount() { return integer(0, kMaxJsonInteger); }
auto decimals_reader() {
    return [](const Json& j) -> Result<std::uint8_t> {
        auto value = read_integer(j, 0, kMaxDecimals);
        if (!value) return value.error();
        return static_cast<std::uint8_t>(*value);
    };
}
auto asset_symbol() { return text({.min_chars = 1, .max_chars = kMaxAssetSymbolChars}); }
auto delivery_value() {
    return text({.min_chars = 1, .max_chars = kMaxDeliveryValueChars, .multi_line = true});
}
auto solana_pay_url() {
    return [](const Json& j) -> Result<std::string> {
        auto value = read_ascii(j, kMaxUrlBytes);
        if (!value) return value.error();
        if (value->rfind("solana:", 0) != 0) {
            return fail(ErrorCode::InvalidUrl, "must be a solana: URL");
        }
        return value;
    };
}

// fee + merchant_amount == amount (api.md): a response that breaks it is not trusted.
void check_fee_split(ObjectReader& r, std::int64_t amount, std::int64_t merchant, std::int64_t fee) {
    if (r.ok() && merchant + fee != amount) {
        r.record(fail(ErrorCode::InvalidValue,
                      "fee_minor_units + merchant_amount_minor_units must equal amount_minor_units",
                      "fee_minor_units"));
    }
}

}  // namespace

// ---- IdentityConnect, CheckoutConfig, PublicCheckout ------------------------------------------------

Status from_json(const Json& json, IdentityConnect& out) {
    ObjectReader r(json);
    r.required("platform", out.platform, enumeration<Platform>());
    r.required("identity_type", out.identity_type, enumeration<IdentityType>());
    r.required("label", out.label, text({.min_chars = 1, .max_chars = kMaxLabelChars}));
    r.required("url", out.url, https_url());
    return r.finish();
}

Json to_json(const IdentityConnect& value) {
    return {{"platform", to_wire(value.platform)},
            {"identity_type", to_wire(value.identity_type)},
            {"label", value.label},
            {"url", value.url}};
}

Status from_json(const Json& json, CheckoutConfig& out) {
    ObjectReader r(json);
    r.required("default_route", out.default_route, enumeration<CheckoutRoute>());
    r.required("payment_asset", out.payment_asset, asset_symbol());
    r.with_default("identity_connect", out.identity_connect,
                   array_of(kMaxIdentityConnectActions, model<IdentityConnect>()));
    return r.finish();
}

Json to_json(const CheckoutConfig& value) {
    return {{"default_route", to_wire(value.default_route)},
            {"payment_asset", value.payment_asset},
            {"identity_connect", to_wire(value.identity_connect)}};
}

Status from_json(const Json& json, PublicCheckout& out) {
    ObjectReader r(json);
    r.required("product_id", out.product_id, id(kProductIdPrefix));
    r.required("slug", out.slug, slug());
    r.required("title", out.title, text({.min_chars = 1, .max_chars = kMaxTitleChars}));
    r.optional("description", out.description,
               text({.max_chars = kMaxDescriptionChars, .multi_line = true}));
    r.required("amount_minor_units", out.amount_minor_units, amount());
    r.required("asset_symbol", out.asset_symbol, asset_symbol());
    r.required("decimals", out.decimals, decimals_reader());
    r.required("token_mint", out.token_mint, public_key());
    r.required("merchant_wallet", out.merchant_wallet, public_key());
    r.required("membership_enabled", out.membership_enabled, boolean());
    r.optional("membership_platform", out.membership_platform, enumeration<Platform>());
    r.optional("membership_identity_type", out.membership_identity_type,
               enumeration<IdentityType>());
    r.optional("membership_renewal_mode", out.membership_renewal_mode, enumeration<RenewalMode>());
    r.optional("membership_billing_interval_days", out.membership_billing_interval_days,
               integer(1, 366));
    r.optional("membership_grace_period_days", out.membership_grace_period_days, integer(0, 60));
    r.optional("membership_allowance_periods", out.membership_allowance_periods,
               integer(1, kMaxAllowancePeriods));
    r.required("checkout_config", out.checkout_config, model<CheckoutConfig>());
    return r.finish();
}

Json to_json(const PublicCheckout& value) {
    Json json = {{"product_id", value.product_id},
                 {"slug", value.slug},
                 {"title", value.title},
                 {"amount_minor_units", value.amount_minor_units},
                 {"asset_symbol", value.asset_symbol},
                 {"decimals", value.decimals},
                 {"token_mint", to_wire(value.token_mint)},
                 {"merchant_wallet", to_wire(value.merchant_wallet)},
                 {"membership_enabled", value.membership_enabled},
                 {"checkout_config", to_json(value.checkout_config)}};
    put_optional(json, "description", value.description);
    put_optional(json, "membership_platform", value.membership_platform);
    put_optional(json, "membership_identity_type", value.membership_identity_type);
    put_optional(json, "membership_renewal_mode", value.membership_renewal_mode);
    put_optional(json, "membership_billing_interval_days", value.membership_billing_interval_days);
    put_optional(json, "membership_grace_period_days", value.membership_grace_period_days);
    put_optional(json, "membership_allowance_periods", value.membership_allowance_periods);
    return json;
}

// ---- connect --------------------------------------------------------------------------------------

Status from_json(const Json& json, ConnectRequest& out) {
    ObjectReader r(json);
    r.optional("buyer_wallet", out.buyer_wallet, public_key());
    r.optional("handoff_token", out.handoff_token, ascii(kMaxHandoffTokenBytes));
    r.optional("route", out.route, enumeration<CheckoutRoute>());
    return r.finish();
}

Json to_json(const ConnectRequest& value) {
    Json json = Json::object();
    put_optional(json, "buyer_wallet", value.buyer_wallet);
    put_optional(json, "handoff_token", value.handoff_token);
    put_optional(json, "route", value.route);
    return json;
}

Status from_json(const Json& json, PhantomMobile& out) {
    ObjectReader r(json);
    r.required("browse_url", out.browse_url, https_url());
    r.required("app_url", out.app_url, https_url());
    r.required("cluster", out.cluster, enumeration<Cluster>());
    return r.finish();
}

Json to_json(const PhantomMobile& value) {
    return {{"browse_url", value.browse_url},
            {"app_url", value.app_url},
            {"cluster", to_wire(value.cluster)}};
}

Status from_json(const Json& json, ConnectResponse& out) {
    ObjectReader r(json);
    r.required("payment_id", out.payment_id, id(kPaymentIdPrefix));
    r.required("status", out.status, enumeration<PaymentStatus>());
    r.required("product_id", out.product_id, id(kProductIdPrefix));
    r.required("slug", out.slug, slug());
    r.required("amount_minor_units", out.amount_minor_units, amount());
    r.required("merchant_amount_minor_units", out.merchant_amount_minor_units,
               non_negative_amount());
    r.required("fee_minor_units", out.fee_minor_units, non_negative_amount());
    check_fee_split(r, out.amount_minor_units, out.merchant_amount_minor_units, out.fee_minor_units);
    r.required("asset_symbol", out.asset_symbol, asset_symbol());
    r.required("decimals", out.decimals, decimals_reader());
    r.required("token_mint", out.token_mint, public_key());
    r.required("reference", out.reference, public_key());
    r.required("solana_pay_url", out.solana_pay_url, solana_pay_url());
    r.required("solana_pay_transfer_url", out.solana_pay_transfer_url, solana_pay_url());
    r.required("expires_at", out.expires_at, timestamp());
    r.optional("buyer_wallet", out.buyer_wallet, public_key());
    r.optional("phantom_mobile", out.phantom_mobile, model<PhantomMobile>());
    return r.finish();
}

Json to_json(const ConnectResponse& value) {
    Json json = {{"payment_id", value.payment_id},
                 {"status", to_wire(value.status)},
                 {"product_id", value.product_id},
                 {"slug", value.slug},
                 {"amount_minor_units", value.amount_minor_units},
                 {"merchant_amount_minor_units", value.merchant_amount_minor_units},
                 {"fee_minor_units", value.fee_minor_units},
                 {"asset_symbol", value.asset_symbol},
                 {"decimals", value.decimals},
                 {"token_mint", to_wire(value.token_mint)},
                 {"reference", to_wire(value.reference)},
                 {"solana_pay_url", value.solana_pay_url},
                 {"solana_pay_transfer_url", value.solana_pay_transfer_url},
                 {"expires_at", to_wire(value.expires_at)}};
    put_optional(json, "buyer_wallet", value.buyer_wallet);
    put_optional(json, "phantom_mobile", value.phantom_mobile);
    return json;
}

// ---- payment --------------------------------------------------------------------------------------

Status from_json(const Json& json, Payment& out) {
    ObjectReader r(json);
    r.required("payment_id", out.payment_id, id(kPaymentIdPrefix));
    r.required("product_id", out.product_id, id(kProductIdPrefix));
    r.required("slug", out.slug, slug());
    r.required("status", out.status, enumeration<PaymentStatus>());
    r.optional("failure_reason", out.failure_reason, enumeration<FailureReason>());
    r.required("amount_minor_units", out.amount_minor_units, amount());
    r.required("merchant_amount_minor_units", out.merchant_amount_minor_units,
               non_negative_amount());
    r.required("fee_minor_units", out.fee_minor_units, non_negative_amount());
    check_fee_split(r, out.amount_minor_units, out.merchant_amount_minor_units, out.fee_minor_units);
    r.required("asset_symbol", out.asset_symbol, asset_symbol());
    r.required("decimals", out.decimals, decimals_reader());
    r.required("token_mint", out.token_mint, public_key());
    r.required("reference", out.reference, public_key());
    r.optional("buyer_wallet", out.buyer_wallet, public_key());
    r.optional("tx_signature", out.tx_signature, signature());
    r.with_default("late", out.late, boolean());
    r.optional("overpaid_minor_units", out.overpaid_minor_units, amount());
    r.optional("fee_outstanding_minor_units", out.fee_outstanding_minor_units, amount());
    r.required("created_at", out.created_at, timestamp());
    r.required("expires_at", out.expires_at, timestamp());
    r.optional("confirmed_at", out.confirmed_at, timestamp());
    r.optional("delivery_type", out.delivery_type, enumeration<DeliveryType>());
    r.optional("delivery_value", out.delivery_value, delivery_value());
    r.optional("delivery_status", out.delivery_status, enumeration<DeliveryStatus>());
    r.optional("delivery_failure", out.delivery_failure,
               text({.min_chars = 1, .max_chars = kMaxDeliveryFailureChars}));
    r.optional("membership_id", out.membership_id, id(kMembershipIdPrefix));
    r.optional("membership_status", out.membership_status, enumeration<MembershipStatus>());
    r.optional("membership_period_end_at", out.membership_period_end_at, timestamp());
    return r.finish();
}

Json to_json(const Payment& value) {
    Json json = {{"payment_id", value.payment_id},
                 {"product_id", value.product_id},
                 {"slug", value.slug},
                 {"status", to_wire(value.status)},
                 {"amount_minor_units", value.amount_minor_units},
                 {"merchant_amount_minor_units", value.merchant_amount_minor_units},
                 {"fee_minor_units", value.fee_minor_units},
                 {"asset_symbol", value.asset_symbol},
                 {"decimals", value.decimals},
                 {"token_mint", to_wire(value.token_mint)},
                 {"reference", to_wire(value.reference)},
                 {"late", value.late},
                 {"created_at", to_wire(value.created_at)},
                 {"expires_at", to_wire(value.expires_at)}};
    put_optional(json, "failure_reason", value.failure_reason);
    put_optional(json, "buyer_wallet", value.buyer_wallet);
    put_optional(json, "tx_signature", value.tx_signature);
    put_optional(json, "overpaid_minor_units", value.overpaid_minor_units);
    put_optional(json, "fee_outstanding_minor_units", value.fee_outstanding_minor_units);
    put_optional(json, "confirmed_at", value.confirmed_at);
    put_optional(json, "delivery_type", value.delivery_type);
    put_optional(json, "delivery_value", value.delivery_value);
    put_optional(json, "delivery_status", value.delivery_status);
    put_optional(json, "delivery_failure", value.delivery_failure);
    put_optional(json, "membership_id", value.membership_id);
    put_optional(json, "membership_status", value.membership_status);
    put_optional(json, "membership_period_end_at", value.membership_period_end_at);
    return json;
}

// ---- transaction, broadcast, confirm ----------------------------------------------------------------

Status from_json(const Json& json, TransactionRequest& out) {
    ObjectReader r(json);
    r.required("buyer_wallet", out.buyer_wallet, public_key());
    return r.finish();
}

Json to_json(const TransactionRequest& value) {
    return {{"buyer_wallet", to_wire(value.buyer_wallet)}};
}

Status from_json(const Json& json, RenewalApproval& out) {
    ObjectReader r(json);
    r.required("delegate", out.delegate, public_key());
    r.required("allowance_minor_units", out.allowance_minor_units, integer(1, kMaxJsonInteger));
    r.required("allowance_periods", out.allowance_periods, integer(1, kMaxAllowancePeriods));
    r.required("existing_allowance_minor_units", out.existing_allowance_minor_units,
               integer(0, kMaxJsonInteger));
    r.optional("replaces_delegate", out.replaces_delegate, public_key());
    return r.finish();
}

Json to_json(const RenewalApproval& value) {
    Json json = {{"delegate", to_wire(value.delegate)},
                 {"allowance_minor_units", value.allowance_minor_units},
                 {"allowance_periods", value.allowance_periods},
                 {"existing_allowance_minor_units", value.existing_allowance_minor_units}};
    put_optional(json, "replaces_delegate", value.replaces_delegate);
    return json;
}

Status from_json(const Json& json, TransactionResponse& out) {
    ObjectReader r(json);
    r.required("transaction", out.transaction, base64(kMaxTransactionBase64Bytes));
    r.required("recent_blockhash", out.recent_blockhash, public_key());
    r.required("last_valid_block_height", out.last_valid_block_height,
               integer(0, kMaxJsonInteger));
    r.optional("approval", out.approval, model<RenewalApproval>());
    return r.finish();
}

Json to_json(const TransactionResponse& value) {
    Json json = {{"transaction", value.transaction},
                 {"recent_blockhash", to_wire(value.recent_blockhash)},
                 {"last_valid_block_height", value.last_valid_block_height}};
    put_optional(json, "approval", value.approval);
    return json;
}

Status from_json(const Json& json, BroadcastRequest& out) {
    ObjectReader r(json);
    r.required("signed_transaction", out.signed_transaction, base64(kMaxTransactionBase64Bytes));
    return r.finish();
}

Json to_json(const BroadcastRequest& value) {
    return {{"signed_transaction", value.signed_transaction}};
}

Status from_json(const Json& json, BroadcastResponse& out) {
    ObjectReader r(json);
    r.required("payment_id", out.payment_id, id(kPaymentIdPrefix));
    r.required("status", out.status, enumeration<PaymentStatus>());
    r.required("tx_signature", out.tx_signature, signature());
    return r.finish();
}

Json to_json(const BroadcastResponse& value) {
    return {{"payment_id", value.payment_id},
            {"status", to_wire(value.status)},
            {"tx_signature", value.tx_signature}};
}

Status from_json(const Json& json, ConfirmRequest& out) {
    ObjectReader r(json);
    r.optional("tx_signature", out.tx_signature, signature());
    return r.finish();
}

Json to_json(const ConfirmRequest& value) {
    Json json = Json::object();
    put_optional(json, "tx_signature", value.tx_signature);
    return json;
}

Status from_json(const Json& json, ConfirmResponse& out) {
    ObjectReader r(json);
    r.required("payment_id", out.payment_id, id(kPaymentIdPrefix));
    r.required("status", out.status, enumeration<PaymentStatus>());
    r.optional("failure_reason", out.failure_reason, enumeration<FailureReason>());
    r.optional("tx_signature", out.tx_signature, signature());
    r.optional("delivery_type", out.delivery_type, enumeration<DeliveryType>());
    r.optional("delivery_value", out.delivery_value, delivery_value());
    r.optional("delivery_status", out.delivery_status, enumeration<DeliveryStatus>());
    r.optional("membership_id", out.membership_id, id(kMembershipIdPrefix));
    r.optional("membership_status", out.membership_status, enumeration<MembershipStatus>());
    r.optional("membership_period_end_at", out.membership_period_end_at, timestamp());
    r.optional("manage_url", out.manage_url, service_url());
    return r.finish();
}

Json to_json(const ConfirmResponse& value) {
    Json json = {{"payment_id", value.payment_id}, {"status", to_wire(value.status)}};
    put_optional(json, "failure_reason", value.failure_reason);
    put_optional(json, "tx_signature", value.tx_signature);
    put_optional(json, "delivery_type", value.delivery_type);
    put_optional(json, "delivery_value", value.delivery_value);
    put_optional(json, "delivery_status", value.delivery_status);
    put_optional(json, "membership_id", value.membership_id);
    put_optional(json, "membership_status", value.membership_status);
    put_optional(json, "membership_period_end_at", value.membership_period_end_at);
    put_optional(json, "manage_url", value.manage_url);
    return json;
}

// ---- handoff resolve ------------------------------------------------------------------------------

Status from_json(const Json& json, HandoffResolveRequest& out) {
    ObjectReader r(json);
    r.required("token", out.token, ascii(kMaxHandoffTokenBytes));
    return r.finish();
}

Json to_json(const HandoffResolveRequest& value) { return {{"token", value.token}}; }

Status from_json(const Json& json, HandoffResolveResponse& out) {
    ObjectReader r(json);
    r.required("slug", out.slug, slug());
    r.required("buyer_ref", out.buyer_ref, text({.min_chars = 1, .max_chars = kMaxBuyerRefChars}));
    r.required("identity", out.identity, model<PublicIdentity>());
    r.required("expires_at", out.expires_at, timestamp());
    return r.finish();
}

Json to_json(const HandoffResolveResponse& value) {
    return {{"slug", value.slug},
            {"buyer_ref", value.buyer_ref},
            {"identity", to_json(value.identity)},
            {"expires_at", to_wire(value.expires_at)}};
}

}  // namespace hilt::models
