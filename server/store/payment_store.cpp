// server/store/payment_store.cpp: the payment rules every backend shares: the quote's JSON,
// transaction state names, memberships after a payment, the receipt a settlement signs, the payment
// as the API shows it.
// Must never: touch storage (the SQL is in store/sqlite/sqlite_payment_store.cpp).
#include "store/payment_store.h"

#include <algorithm>

namespace hilt::server {

namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;

}  // namespace

// ---- quote JSON ---------------------------------------------------------------------------------

Status from_json(const models::Json& json, RenewalOf& out) {
    using namespace models;
    ObjectReader r(json);
    r.required("membership_id", out.membership_id, id(kMembershipIdPrefix));
    r.required("period_index", out.period_index, integer(1, kMaxJsonInteger));
    return r.finish();
}

models::Json to_json(const RenewalOf& value) {
    return {{"membership_id", value.membership_id}, {"period_index", value.period_index}};
}

Status from_json(const models::Json& json, PaymentQuote& out) {
    using namespace models;
    ObjectReader r(json);
    r.required("amount_minor_units", out.amount_minor_units, integer(1, kMaxJsonInteger));
    r.required("merchant_amount_minor_units", out.merchant_amount_minor_units,
               integer(0, kMaxJsonInteger));
    r.required("fee_minor_units", out.fee_minor_units, integer(0, kMaxJsonInteger));
    r.required("fee_bps", out.fee_bps, integer(0, 10'000));
    r.required("asset_symbol", out.asset_symbol,
               text({.min_chars = 1, .max_chars = kMaxAssetSymbolChars}));
    std::int64_t decimals = 0;
    r.required("decimals", decimals, integer(0, kMaxDecimals));
    out.decimals = static_cast<std::uint8_t>(decimals);
    r.required("native", out.native, boolean());
    r.required("token_mint", out.token_mint, public_key());
    r.required("merchant_wallet", out.merchant_wallet, public_key());
    r.required("fee_wallet", out.fee_wallet, public_key());
    r.required("title", out.title, text({.min_chars = 1, .max_chars = kMaxTitleChars}));
    r.required("delivery_type", out.delivery_type, enumeration<DeliveryType>());
    r.optional("delivery_value", out.delivery_value,
               text({.min_chars = 1, .max_chars = kMaxDeliveryValueChars, .multi_line = true}));
    r.optional("membership", out.membership, model<MembershipConfig>());
    r.optional("route", out.route, enumeration<CheckoutRoute>());
    r.optional("identity", out.identity, model<Identity>());
    r.optional("buyer_ref", out.buyer_ref, text({.min_chars = 1, .max_chars = kMaxBuyerRefChars}));
    r.optional("handoff_token_id", out.handoff_token_id, id(kHandoffTokenIdPrefix));
    r.optional("approval", out.approval, model<RenewalApproval>());
    r.optional("renewal", out.renewal, model<RenewalOf>());
    return r.finish();
}

models::Json to_json(const PaymentQuote& value) {
    using models::to_wire;
    models::Json json = {{"amount_minor_units", value.amount_minor_units},
                         {"merchant_amount_minor_units", value.merchant_amount_minor_units},
                         {"fee_minor_units", value.fee_minor_units},
                         {"fee_bps", value.fee_bps},
                         {"asset_symbol", value.asset_symbol},
                         {"decimals", value.decimals},
                         {"native", value.native},
                         {"token_mint", to_wire(value.token_mint)},
                         {"merchant_wallet", to_wire(value.merchant_wallet)},
                         {"fee_wallet", to_wire(value.fee_wallet)},
                         {"title", value.title},
                         {"delivery_type", to_wire(value.delivery_type)}};
    models::put_optional(json, "delivery_value", value.delivery_value);
    models::put_optional(json, "membership", value.membership);
    models::put_optional(json, "route", value.route);
    models::put_optional(json, "identity", value.identity);
    models::put_optional(json, "buyer_ref", value.buyer_ref);
    models::put_optional(json, "handoff_token_id", value.handoff_token_id);
    models::put_optional(json, "approval", value.approval);
    models::put_optional(json, "renewal", value.renewal);
    return json;
}

std::string_view to_string(TransactionState state) {
    switch (state) {
        case TransactionState::Sent:
            return "SENT";
        case TransactionState::Landed:
            return "LANDED";
        case TransactionState::Failed:
            return "FAILED";
        case TransactionState::Expired:
            return "EXPIRED";
        case TransactionState::Mismatch:
            return "MISMATCH";
    }
    return "SENT";
}
// ---- pure rules ---------------------------------------------------------------------------------

std::string member_key(const PaymentRecord& payment, const solana::PublicKey& buyer_wallet) {
    if (payment.quote.identity) {
        return std::string(to_string(payment.quote.identity->type)) + ":" +
               payment.quote.identity->value;
    }
    return "WALLET:" + buyer_wallet.to_base58();
}

models::Membership next_membership(const std::optional<models::Membership>& existing,
                                   const PaymentRecord& payment,
                                   const solana::PublicKey& buyer_wallet,
                                   std::string new_membership_id, models::Timestamp now) {
    const auto& config = *payment.quote.membership;
    models::Membership m;
    if (existing) {
        m = *existing;
    } else {
        m.membership_id = std::move(new_membership_id);
        m.product_id = payment.product_id;
        m.created_at = now;
    }
    m.platform = config.platform.value_or(models::Platform::Web);
    m.renewal_mode = config.renewal_mode.value_or(models::RenewalMode::OneOff);
    if (payment.quote.identity) {
        m.identity = payment.quote.identity;
    } else if (!m.identity) {
        m.identity =
            models::Identity{models::IdentityType::Wallet, buyer_wallet.to_base58(), std::nullopt};
    }
    m.buyer_wallet = buyer_wallet;
    if (payment.quote.buyer_ref) m.buyer_ref = payment.quote.buyer_ref;
    m.last_payment_id = payment.payment_id;
    m.updated_at = now;

    const auto status_before =
        existing ? membership_status_at(*existing, now) : models::MembershipStatus::Expired;
    const bool running = existing && status_before != models::MembershipStatus::Cancelled &&
                         status_before != models::MembershipStatus::Expired;
    // Paying again at checkout undoes a cancellation; a renewal pulled before it (it cannot be recalled)
    // keeps it, effective at the end of the period it paid.
    if (!payment.quote.renewal) {
        m.cancellation.reset();
    } else if (m.cancellation) {
        m.cancellation->at_period_end = true;
    }
    if (!running) m.current_period_start_at = now;
    m.renewal_count = running ? existing->renewal_count + 1 : 0;
    m.status = models::MembershipStatus::Active;
    if (config.billing_interval_days) {
        const auto interval = *config.billing_interval_days * kSecondsPerDay;
        // Still running: the new period starts where the paid one ends, or now when that end is past
        // (paid in grace). A subscription's renewal stays anchored to the schedule even in grace: period k
        // ends k intervals after the first began.
        const bool anchored = payment.quote.renewal.has_value();
        const auto from =
            running && existing->current_period_end_at
                ? (anchored ? existing->current_period_end_at->unix_seconds
                            : std::max(existing->current_period_end_at->unix_seconds, now.unix_seconds))
                : now.unix_seconds;
        if (running && existing->current_period_end_at &&
            (anchored || existing->current_period_end_at->unix_seconds > now.unix_seconds)) {
            // keep current_period_start_at: the paid-up period simply grows
        } else {
            m.current_period_start_at = now;
        }
        m.current_period_end_at = models::Timestamp{from + interval};
        m.grace_period_end_at =
            models::Timestamp{m.current_period_end_at->unix_seconds +
                              config.grace_period_days.value_or(0) * kSecondsPerDay};
    } else {
        m.current_period_end_at.reset();
        m.grace_period_end_at.reset();
    }
    return m;
}

models::MembershipStatus membership_status_at(const models::Membership& membership,
                                              models::Timestamp now) {
    if (membership.status == models::MembershipStatus::Cancelled) return membership.status;
    if (const auto& cancel = membership.cancellation) {
        if (!cancel->at_period_end || !membership.current_period_end_at || now >= *membership.current_period_end_at) {
            return models::MembershipStatus::Cancelled;
        }
    }
    if (!membership.current_period_end_at || now < *membership.current_period_end_at) {
        return models::MembershipStatus::Active;
    }
    if (membership.grace_period_end_at && now < *membership.grace_period_end_at)
        return models::MembershipStatus::Grace;
    return models::MembershipStatus::Expired;
}

std::optional<AllowanceLeft> allowance_low_after(std::optional<std::int64_t> available, std::int64_t price,
                                                 std::optional<std::int64_t> left_by_previous) {
    if (!available || price <= 0 || *available < price) return std::nullopt;
    const AllowanceLeft left{*available - price, (*available - price) / price};
    if (left.renewals_covered >= kAllowanceLowRenewals) return std::nullopt;
    const bool covered_before = *available / price >= kAllowanceLowRenewals;
    const bool covered_after_previous = left_by_previous && *left_by_previous / price >= kAllowanceLowRenewals;
    if (!covered_before && !covered_after_previous) return std::nullopt;
    return left;
}

std::optional<models::Membership> cancelled_membership(const models::Membership& membership,
                                                       models::CancellationSource source, bool at_period_end,
                                                       models::Timestamp now) {
    if (membership.cancellation) return membership;
    if (membership_status_at(membership, now) == models::MembershipStatus::Expired) return std::nullopt;
    models::Membership m = membership;
    m.cancellation = models::MembershipCancellation{now, source, at_period_end};
    m.next_renewal_at.reset();
    m.updated_at = now;
    m.status = membership_status_at(m, now);
    return m;
}

models::Receipt confirmation_receipt(const PaymentRecord& payment, const Settlement& settlement,
                                     std::string receipt_id, const Ed25519Keypair& receipt_key) {
    const auto& quote = payment.quote;
    models::Receipt receipt;
    receipt.receipt_id = std::move(receipt_id);
    receipt.payment_id = settlement.payment_id;
    receipt.product_id = payment.product_id;
    receipt.tx_signature = settlement.tx_signature;
    receipt.reference = payment.reference;
    receipt.slot = settlement.slot;
    receipt.amount_minor_units = quote.amount_minor_units;
    receipt.merchant_amount_minor_units = quote.merchant_amount_minor_units;
    receipt.fee_minor_units = quote.fee_minor_units;
    receipt.asset_symbol = quote.asset_symbol;
    receipt.decimals = quote.decimals;
    receipt.token_mint = quote.token_mint;
    receipt.merchant_wallet = quote.merchant_wallet;
    receipt.buyer_wallet = settlement.buyer_wallet;
    receipt.issued_at = settlement.confirmed_at;
    models::sign_receipt(receipt, receipt_key);
    return receipt;
}

models::Payment to_api_payment(const PaymentRecord& p,
                               const std::optional<models::Membership>& membership,
                               models::Timestamp now) {
    models::Payment out;
    out.payment_id = p.payment_id;
    out.product_id = p.product_id;
    out.slug = p.slug;
    out.status = p.status;
    out.failure_reason = p.failure_reason;
    if (p.status == models::PaymentStatus::PendingSignature && now >= p.expires_at) {
        out.status = models::PaymentStatus::Failed;
        out.failure_reason = models::FailureReason::Expired;
    }
    if (out.status != models::PaymentStatus::Failed) out.failure_reason.reset();
    out.amount_minor_units = p.quote.amount_minor_units;
    out.merchant_amount_minor_units = p.quote.merchant_amount_minor_units;
    out.fee_minor_units = p.quote.fee_minor_units;
    out.asset_symbol = p.quote.asset_symbol;
    out.decimals = p.quote.decimals;
    out.token_mint = p.quote.token_mint;
    out.reference = p.reference;
    out.buyer_wallet = p.buyer_wallet;
    out.tx_signature = p.tx_signature;
    out.late = p.late;
    if (p.overpaid_minor_units > 0) out.overpaid_minor_units = p.overpaid_minor_units;
    if (p.fee_outstanding_minor_units > 0) out.fee_outstanding_minor_units = p.fee_outstanding_minor_units;
    out.created_at = p.created_at;
    out.expires_at = p.expires_at;
    if (p.status == models::PaymentStatus::Confirmed) {
        out.confirmed_at = p.confirmed_at;
        out.delivery_type = p.quote.delivery_type;
        // A value the merchant supplied after a failed delivery replaces the quote's everywhere.
        out.delivery_value = p.delivery_override ? p.delivery_override : p.quote.delivery_value;
        out.delivery_status = p.delivery_status;
        if (p.delivery_status == models::DeliveryStatus::Failed) {
            out.delivery_failure = p.delivery_failure;
        }
        if (membership) {
            out.membership_id = membership->membership_id;
            out.membership_status = membership_status_at(*membership, now);
            out.membership_period_end_at = membership->current_period_end_at;
        }
    }
    return out;
}

}  // namespace hilt::server
