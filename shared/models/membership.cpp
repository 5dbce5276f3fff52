// shared/models/membership.cpp: JSON of memberships (see membership.h).
#include "models/membership.h"

namespace hilt::models {

Status from_json(const Json& json, ManageSubscription& out) {
    ObjectReader r(json);
    r.required("token_account", out.token_account, public_key());
    r.required("delegate", out.delegate, public_key());
    r.required("delegate_approved", out.delegate_approved, boolean());
    r.required("delegated_minor_units", out.delegated_minor_units, integer(0, kMaxJsonInteger));
    r.required("renewals_covered", out.renewals_covered, integer(0, kMaxJsonInteger));
    r.required("other_subscriptions", out.other_subscriptions, integer(0, kMaxJsonInteger));
    r.optional("last_failure", out.last_failure, model<RenewalFailure>());
    return r.finish();
}

Json to_json(const ManageSubscription& value) {
    Json json = {{"token_account", to_wire(value.token_account)},
                 {"delegate", to_wire(value.delegate)},
                 {"delegate_approved", value.delegate_approved},
                 {"delegated_minor_units", value.delegated_minor_units},
                 {"renewals_covered", value.renewals_covered},
                 {"other_subscriptions", value.other_subscriptions}};
    put_optional(json, "last_failure", value.last_failure);
    return json;
}

Status from_json(const Json& json, ManageView& out) {
    ObjectReader r(json);
    r.required("membership_id", out.membership_id, id(kMembershipIdPrefix));
    r.required("title", out.title, text({.min_chars = 1, .max_chars = kMaxTitleChars}));
    r.required("status", out.status, enumeration<MembershipStatus>());
    r.required("renewal_mode", out.renewal_mode, enumeration<RenewalMode>());
    r.optional("current_period_end_at", out.current_period_end_at, timestamp());
    r.optional("grace_period_end_at", out.grace_period_end_at, timestamp());
    r.optional("next_renewal_at", out.next_renewal_at, timestamp());
    r.required("renewal_count", out.renewal_count, integer(0, kMaxRenewalCount));
    r.required("amount_minor_units", out.amount_minor_units, integer(1, kMaxJsonInteger));
    r.required("asset_symbol", out.asset_symbol, text({.min_chars = 1, .max_chars = kMaxAssetSymbolChars}));
    r.required("decimals", out.decimals, integer(0, kMaxDecimals));
    r.optional("billing_interval_days", out.billing_interval_days, integer(1, kMaxJsonInteger));
    r.optional("buyer_wallet", out.buyer_wallet, public_key());
    r.optional("subscription", out.subscription, model<ManageSubscription>());
    r.optional("cancellation", out.cancellation, model<MembershipCancellation>());
    r.required("can_cancel", out.can_cancel, boolean());
    r.required("can_reapprove", out.can_reapprove, boolean());
    return r.finish();
}

Json to_json(const ManageView& value) {
    Json json = {{"membership_id", value.membership_id},
                 {"title", value.title},
                 {"status", to_wire(value.status)},
                 {"renewal_mode", to_wire(value.renewal_mode)},
                 {"renewal_count", value.renewal_count},
                 {"amount_minor_units", value.amount_minor_units},
                 {"asset_symbol", value.asset_symbol},
                 {"decimals", value.decimals},
                 {"can_cancel", value.can_cancel},
                 {"can_reapprove", value.can_reapprove}};
    put_optional(json, "current_period_end_at", value.current_period_end_at);
    put_optional(json, "grace_period_end_at", value.grace_period_end_at);
    put_optional(json, "next_renewal_at", value.next_renewal_at);
    put_optional(json, "billing_interval_days", value.billing_interval_days);
    put_optional(json, "buyer_wallet", value.buyer_wallet);
    put_optional(json, "subscription", value.subscription);
    put_optional(json, "cancellation", value.cancellation);
    return json;
}

Status from_json(const Json& json, ManageTransactionRequest& out) {
    ObjectReader r(json);
    r.required("action", out.action, enumeration<ManageAction>());
    return r.finish();
}

Json to_json(const ManageTransactionRequest& value) { return {{"action", to_wire(value.action)}}; }

Status from_json(const Json& json, ManageSubmitRequest& out) {
    ObjectReader r(json);
    r.required("action", out.action, enumeration<ManageAction>());
    r.required("signed_transaction", out.signed_transaction, base64(kMaxTransactionBase64Bytes));
    return r.finish();
}

Json to_json(const ManageSubmitRequest& value) {
    return {{"action", to_wire(value.action)}, {"signed_transaction", value.signed_transaction}};
}

Status from_json(const Json& json, MembershipCancellation& out) {
    ObjectReader r(json);
    r.required("cancelled_at", out.cancelled_at, timestamp());
    r.required("source", out.source, enumeration<CancellationSource>());
    r.required("at_period_end", out.at_period_end, boolean());
    return r.finish();
}

Json to_json(const MembershipCancellation& value) {
    return {{"cancelled_at", to_wire(value.cancelled_at)},
            {"source", to_wire(value.source)},
            {"at_period_end", value.at_period_end}};
}

Status from_json(const Json& json, MembershipCancelRequest& out) {
    ObjectReader r(json);
    r.optional("at_period_end", out.at_period_end, boolean());
    return r.finish();
}

Json to_json(const MembershipCancelRequest& value) {
    Json json = Json::object();
    put_optional(json, "at_period_end", value.at_period_end);
    return json;
}

Status from_json(const Json& json, RenewalFailure& out) {
    ObjectReader r(json);
    r.required("reason", out.reason, enumeration<RenewalFailureReason>());
    r.required("failed_at", out.failed_at, timestamp());
    r.required("attempt", out.attempt, integer(1, kMaxRenewalCount));
    r.optional("next_attempt_at", out.next_attempt_at, timestamp());
    return r.finish();
}

Json to_json(const RenewalFailure& value) {
    Json json = {{"reason", to_wire(value.reason)},
                 {"failed_at", to_wire(value.failed_at)},
                 {"attempt", value.attempt}};
    put_optional(json, "next_attempt_at", value.next_attempt_at);
    return json;
}

Status from_json(const Json& json, MembershipSubscription& out) {
    ObjectReader r(json);
    r.required("token_account", out.token_account, public_key());
    r.required("token_mint", out.token_mint, public_key());
    r.required("delegate", out.delegate, public_key());
    r.required("amount_minor_units", out.amount_minor_units, integer(1, kMaxJsonInteger));
    r.required("allowance_minor_units", out.allowance_minor_units, integer(0, kMaxJsonInteger));
    r.required("allowance_periods", out.allowance_periods, integer(0, kMaxAllowancePeriods));
    r.required("approved", out.approved, boolean());
    r.optional("last_failure", out.last_failure, model<RenewalFailure>());
    return r.finish();
}

Json to_json(const MembershipSubscription& value) {
    Json json = {{"token_account", to_wire(value.token_account)},
                 {"token_mint", to_wire(value.token_mint)},
                 {"delegate", to_wire(value.delegate)},
                 {"amount_minor_units", value.amount_minor_units},
                 {"allowance_minor_units", value.allowance_minor_units},
                 {"allowance_periods", value.allowance_periods},
                 {"approved", value.approved}};
    put_optional(json, "last_failure", value.last_failure);
    return json;
}

Status from_json(const Json& json, Membership& out) {
    ObjectReader r(json);
    r.required("membership_id", out.membership_id, id(kMembershipIdPrefix));
    r.required("product_id", out.product_id, id(kProductIdPrefix));
    r.required("status", out.status, enumeration<MembershipStatus>());
    r.required("platform", out.platform, enumeration<Platform>());
    r.required("renewal_mode", out.renewal_mode, enumeration<RenewalMode>());
    r.optional("identity", out.identity, model<Identity>());
    r.optional("buyer_wallet", out.buyer_wallet, public_key());
    r.optional("buyer_ref", out.buyer_ref, text({.min_chars = 1, .max_chars = kMaxBuyerRefChars}));
    r.required("current_period_start_at", out.current_period_start_at, timestamp());
    r.optional("current_period_end_at", out.current_period_end_at, timestamp());
    r.optional("grace_period_end_at", out.grace_period_end_at, timestamp());
    r.optional("last_payment_id", out.last_payment_id, id(kPaymentIdPrefix));
    // Absent in memberships stored before it existed: they had not been counted, so 0.
    std::optional<std::int64_t> renewals;
    r.optional("renewal_count", renewals, integer(0, kMaxRenewalCount));
    out.renewal_count = renewals.value_or(0);
    r.optional("next_renewal_at", out.next_renewal_at, timestamp());
    r.optional("subscription", out.subscription, model<MembershipSubscription>());
    r.optional("cancellation", out.cancellation, model<MembershipCancellation>());
    r.optional("manage_url", out.manage_url, service_url());
    r.required("created_at", out.created_at, timestamp());
    r.required("updated_at", out.updated_at, timestamp());
    return r.finish();
}

Json to_json(const Membership& value) {
    Json json = {{"membership_id", value.membership_id},
                 {"product_id", value.product_id},
                 {"status", to_wire(value.status)},
                 {"platform", to_wire(value.platform)},
                 {"renewal_mode", to_wire(value.renewal_mode)},
                 {"current_period_start_at", to_wire(value.current_period_start_at)},
                 {"renewal_count", value.renewal_count},
                 {"created_at", to_wire(value.created_at)},
                 {"updated_at", to_wire(value.updated_at)}};
    put_optional(json, "identity", value.identity);
    put_optional(json, "buyer_wallet", value.buyer_wallet);
    put_optional(json, "buyer_ref", value.buyer_ref);
    put_optional(json, "current_period_end_at", value.current_period_end_at);
    put_optional(json, "grace_period_end_at", value.grace_period_end_at);
    put_optional(json, "last_payment_id", value.last_payment_id);
    put_optional(json, "next_renewal_at", value.next_renewal_at);
    put_optional(json, "subscription", value.subscription);
    put_optional(json, "cancellation", value.cancellation);
    put_optional(json, "manage_url", value.manage_url);
    return json;
}

}  // namespace hilt::models
