// server/payments/subscription_manager.cpp: the subscriber's own changes (see subscription_manager.h).
#include "payments/subscription_manager.h"

#include <algorithm>

#include "app.h"
#include "encoding/base64.h"
#include "payments/payment_service.h"
#include "solana/inspector.h"
#include "solana/instructions.h"
#include "solana/pda.h"
#include "solana/transaction.h"

namespace hilt::server {

namespace {

constexpr std::string_view kTokenDomain = "hilt-manage-v1\n";
// Compute units of a manage transaction: the two ComputeBudget instructions and one Revoke or ApproveChecked.
constexpr std::uint32_t kManageComputeUnits = 1'000 + 5'000;

Error no_membership() { return fail(ErrorCode::NotFound, "no such membership"); }

}  // namespace

struct SubscriptionManager::Context {
    std::string merchant_id;
    models::Membership membership;
    PaymentQuote quote;  // of the membership's last payment: price, asset, title
    models::Timestamp now;
    models::MembershipStatus status = models::MembershipStatus::Active;
    solana::PublicKey token_account;
    std::optional<TokenAccountState> account;  // nullopt: closed (or never opened)
    std::int64_t other_live = 0;               // the buyer's other live subscriptions on the account
};

SubscriptionManager::SubscriptionManager(const ServerConfig& config, const Clock& clock, Chain& chain,
                                         PaymentStore& payments, const solana::PublicKey& delegate,
                                         const SecretBytes<32>& token_key)
    : config_(config), clock_(clock), chain_(chain), payments_(payments), delegate_(delegate), token_key_(token_key) {}

std::string SubscriptionManager::manage_token(const std::string& membership_id) const {
    std::string message(kTokenDomain);
    message += membership_id;
    const auto mac = hmac_sha256(token_key_.view(), as_bytes(message));
    return base64url_encode(mac);
}

std::string SubscriptionManager::manage_url(const std::string& membership_id) const {
    return config_.public_url + std::string(models::kManagePagePrefix) + membership_id + std::string(models::kManageTokenFragment) +
           manage_token(membership_id);
}

std::optional<std::string> SubscriptionManager::manage_url_of_subscription(const std::string& membership_id) {
    auto found = payments_.find_membership(membership_id);
    if (!found || !found->second.subscription) return std::nullopt;
    return manage_url(membership_id);
}

Status SubscriptionManager::authorize(const std::string& membership_id, const std::string& token) const {
    if (!models::validate_id(membership_id, models::kMembershipIdPrefix)) return no_membership();
    const auto expected = manage_token(membership_id);
    if (!constant_time_equal(as_bytes(expected), as_bytes(token))) return no_membership();
    return {};
}

Result<SubscriptionManager::Context> SubscriptionManager::load(const std::string& membership_id) {
    auto found = payments_.find_membership(membership_id);
    if (!found) return found.error();
    Context c;
    c.merchant_id = std::move(found->first);
    c.membership = std::move(found->second);
    c.now = models::Timestamp{clock_.now_seconds()};
    c.status = membership_status_at(c.membership, c.now);
    if (!c.membership.last_payment_id) return fail(ErrorCode::Internal, "membership without a payment");
    auto last = payments_.get(*c.membership.last_payment_id);
    if (!last) return last.error();
    c.quote = std::move(last->quote);
    if (const auto& sub = c.membership.subscription) {
        c.token_account = sub->token_account;
        auto account = chain_.account(sub->token_account, Commitment::Confirmed);
        if (!account) return account.error();
        if (*account) c.account = (*account)->token_account;
        auto sharing = payments_.memberships_on_token_account(sub->token_account);
        if (!sharing) return sharing.error();
        for (const auto& other : *sharing) {
            const auto status = membership_status_at(other, c.now);
            if (other.membership_id != c.membership.membership_id && !other.cancellation &&
                status != models::MembershipStatus::Expired && status != models::MembershipStatus::Cancelled) {
                ++c.other_live;
            }
        }
    }
    return c;
}

models::ManageView SubscriptionManager::view_of(const Context& c) const {
    const auto& m = c.membership;
    models::ManageView v;
    v.membership_id = m.membership_id;
    v.title = c.quote.title;
    v.status = c.status;
    v.renewal_mode = m.renewal_mode;
    v.current_period_end_at = m.current_period_end_at;
    v.grace_period_end_at = m.grace_period_end_at;
    v.next_renewal_at = m.next_renewal_at;
    v.renewal_count = m.renewal_count;
    v.amount_minor_units = c.quote.amount_minor_units;
    v.asset_symbol = c.quote.asset_symbol;
    v.decimals = c.quote.decimals;
    if (c.quote.membership) v.billing_interval_days = c.quote.membership->billing_interval_days;
    v.buyer_wallet = m.buyer_wallet;
    v.cancellation = m.cancellation;
    const bool live = c.status != models::MembershipStatus::Expired && c.status != models::MembershipStatus::Cancelled;
    if (const auto& sub = m.subscription) {
        models::ManageSubscription s;
        s.token_account = sub->token_account;
        s.delegate = sub->delegate;
        s.other_subscriptions = c.other_live;
        s.last_failure = sub->last_failure;
        if (c.account && c.account->delegate == delegate_) {
            s.delegate_approved = true;
            s.delegated_minor_units = static_cast<std::int64_t>(
                std::min<std::uint64_t>(c.account->delegated_amount, models::kMaxJsonInteger));
            s.renewals_covered = s.delegated_minor_units / sub->amount_minor_units;
        }
        v.subscription = std::move(s);
        v.can_cancel = live && !m.cancellation;
        v.can_reapprove = live && !m.cancellation && c.account.has_value();
    }
    return v;
}

Result<models::ManageView> SubscriptionManager::view(const std::string& membership_id) {
    auto c = load(membership_id);
    if (!c) return c.error();
    return view_of(*c);
}

// CANCEL: a Revoke, unless other live subscriptions share the delegation: then an approval lowered by what
// this one still had reserved (its price times the renewals its approval had left). REAPPROVE: what the
// account allows Hilt now plus the server's renewal allowance of this price.
Result<std::optional<std::uint64_t>> SubscriptionManager::change_for(const Context& c,
                                                                     models::ManageAction action) const {
    const auto& m = c.membership;
    if (!m.subscription) {
        return fail(ErrorCode::Conflict, "this membership does not renew automatically: there is nothing to change");
    }
    if (c.status == models::MembershipStatus::Expired || c.status == models::MembershipStatus::Cancelled) {
        return fail(ErrorCode::Conflict, "this membership has ended (" + std::string(to_string(c.status)) + ")");
    }
    if (m.cancellation) return fail(ErrorCode::Conflict, "this membership is already cancelled");
    if (!c.account) {
        return fail(ErrorCode::Conflict, "the subscription's token account " + c.token_account.to_base58() +
                                             " no longer exists");
    }
    const auto price = static_cast<std::uint64_t>(m.subscription->amount_minor_units);
    const std::uint64_t current = c.account->delegate == delegate_ ? c.account->delegated_amount : 0;
    if (action == models::ManageAction::Reapprove) {
        const auto added = price * static_cast<std::uint64_t>(config_.renewal_allowance_periods);
        const auto total = current + added;
        if (total > static_cast<std::uint64_t>(models::kMaxJsonInteger)) {
            return fail(ErrorCode::InvalidValue, "the approval would exceed the largest amount Hilt handles", "action");
        }
        return std::optional<std::uint64_t>{total};
    }
    if (c.other_live == 0 || current == 0) return std::optional<std::uint64_t>{};
    const auto left = static_cast<std::uint64_t>(
        std::max<std::int64_t>(0, m.subscription->allowance_periods - m.renewal_count));
    const auto lowered = current - std::min(current, left * price);
    if (lowered == 0) return std::optional<std::uint64_t>{};
    return std::optional<std::uint64_t>{lowered};
}

Result<models::TransactionResponse> SubscriptionManager::build(const std::string& membership_id,
                                                               models::ManageAction action) {
    auto c = load(membership_id);
    if (!c) return c.error();
    auto change = change_for(*c, action);
    if (!change) return change.error();
    const auto owner = *c->membership.buyer_wallet;
    const auto& sub = *c->membership.subscription;
    std::vector<solana::Instruction> instructions{solana::set_compute_unit_limit(kManageComputeUnits),
                                                  solana::set_compute_unit_price(kPriorityMicroLamports)};
    if (*change) {
        instructions.push_back(solana::token_approve_checked(sub.token_account, sub.token_mint, delegate_, owner,
                                                             **change, c->quote.decimals));
    } else {
        instructions.push_back(solana::token_revoke(sub.token_account, owner));
    }
    auto blockhash = chain_.latest_blockhash(Commitment::Confirmed);
    if (!blockhash) return blockhash.error();
    auto out = unsigned_transaction(owner, instructions, *blockhash);
    if (!out) return out.error();
    if (*change) {
        const auto current = c->account->delegate == delegate_ ? c->account->delegated_amount : 0;
        out->approval = models::RenewalApproval{
            delegate_, static_cast<std::int64_t>(**change),
            action == models::ManageAction::Reapprove ? config_.renewal_allowance_periods
                                                      : std::max<std::int64_t>(1, static_cast<std::int64_t>(**change / sub.amount_minor_units)),
            static_cast<std::int64_t>(std::min<std::uint64_t>(current, models::kMaxJsonInteger)), std::nullopt};
    }
    return out;
}

Result<models::ManageView> SubscriptionManager::submit(const std::string& membership_id,
                                                       const models::ManageSubmitRequest& request) {
    auto c = load(membership_id);
    if (!c) return c.error();
    auto change = change_for(*c, request.action);
    if (!change) return change.error();
    auto transaction = solana::parse_transaction_base64(request.signed_transaction);
    if (!transaction) return at("signed_transaction", transaction.error());
    const auto& sub = *c->membership.subscription;
    solana::ExpectedDelegationChange expected{*c->membership.buyer_wallet, sub.token_account, sub.token_mint,
                                              c->quote.decimals, delegate_, *change, true};
    HILT_TRY(solana::check_delegation_change(solana::inspect_transaction(*transaction), expected));
    auto simulation = chain_.simulate(*transaction);
    if (!simulation) return simulation.error();
    if (simulation->err) return refusal(rejection(*simulation->err));
    auto wire = solana::serialize_transaction(*transaction);
    if (!wire) return wire.error();
    auto sent = chain_.send(*wire);
    if (!sent && rejection_name(sent.error()) != "AlreadyProcessed") return refusal(sent.error());
    const auto now = clock_.now_seconds();
    if (request.action == models::ManageAction::Cancel) {
        // The buyer signed the intent: whether or not the revoke lands, nothing is pulled any more.
        auto cancelled = payments_.cancel_membership(c->merchant_id, membership_id,
                                                     models::CancellationSource::Buyer, true, now);
        if (!cancelled) return cancelled.error();
        c->membership = std::move(*cancelled);
    } else {
        auto approved = payments_.record_reapproval(membership_id,
                                                    config_.renewal_allowance_periods * sub.amount_minor_units,
                                                    config_.renewal_allowance_periods,
                                                    now + kRetryAfterReapprovalSeconds, now);
        if (!approved) return approved.error();
        c->membership = std::move(*approved);
    }
    c->status = membership_status_at(c->membership, c->now);
    return view_of(*c);
}

}  // namespace hilt::server
