// The subscriber's manage page as a state machine (issue 7; docs/api.md "The subscriber's manage
// routes"): the view loads with the link's token, cancel asks first and then goes through Phantom
// (connect, the subscription's own wallet only, sign, submit), a re-approval states what it allows,
// and every failure leaves the buyer a next step. Expected values come from the API contract.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "flow/manage_machine.h"
#include "unit/flow/checkout_test_support.h"

namespace hilt::flow::manage {
namespace {

using flow::test::at;
using flow::test::buyer_key;
using flow::test::key;
using models::ManageAction;
using models::MembershipStatus;

constexpr std::string_view kMembershipId = "mem_4Fq9Zt";
constexpr std::string_view kToken = "q8T0l2x5mJc3r0pX7yq1Ww9u3a6Kd0eHf1bZs4gNvYc";
constexpr std::string_view kPageUrl = "https://hilt.example/m/mem_4Fq9Zt";
// 2026-12-29T00:00:00Z and 2027-01-28T00:00:00Z.
constexpr std::int64_t kPeriodEnd = 1'798'502'400;
constexpr std::int64_t kNextPeriodEnd = kPeriodEnd + 30 * 86400;

Environment with_extension() { return Environment{true, false, std::string(kPageUrl)}; }
Environment phone_without_provider() { return Environment{false, true, std::string(kPageUrl)}; }

// 25.00 USDC every 30 days, renewing an hour before the period ends, 11 renewals approved.
models::ManageView active_view() {
    models::ManageView v;
    v.membership_id = std::string(kMembershipId);
    v.title = "Pro Pass";
    v.status = MembershipStatus::Active;
    v.renewal_mode = models::RenewalMode::Automatic;
    v.current_period_end_at = Timestamp{kPeriodEnd};
    v.next_renewal_at = Timestamp{kPeriodEnd - 3600};
    v.amount_minor_units = 25'000'000;
    v.asset_symbol = "USDC";
    v.decimals = 6;
    v.billing_interval_days = 30;
    v.buyer_wallet = buyer_key();
    models::ManageSubscription s;
    s.token_account = key("CiDwVBFgWV9E5MvXWoLgnEgn2hK7rJikbvfWavzAQz3");
    s.delegate = key("GvDMxPzN1sCj7L26YDK2HnMRXEQmQ2aemov8YBtPS7vR");
    s.delegate_approved = true;
    s.delegated_minor_units = 275'000'000;
    s.renewals_covered = 11;
    v.subscription = s;
    v.can_cancel = true;
    v.can_reapprove = true;
    return v;
}

models::ManageView cancelled_view() {
    auto v = active_view();
    v.next_renewal_at.reset();
    v.cancellation = models::MembershipCancellation{Timestamp{kPeriodEnd - 86400}, models::CancellationSource::Buyer, true};
    v.can_cancel = false;
    v.can_reapprove = false;
    return v;
}

struct Manage {
    State state = initial_state();
    std::vector<Effect> effects;

    void send(const Event& event) {
        auto t = reduce(state, event);
        state = std::move(t.state);
        effects = std::move(t.effects);
    }
    std::string_view name() const { return state_name(state); }
    template <typename E>
    E expect() const {
        for (const auto& effect : effects) {
            if (const auto* e = std::get_if<E>(&effect)) return *e;
        }
        ADD_FAILURE() << "expected effect missing; state " << describe(state);
        return E{};
    }
    std::vector<std::string> announced() const {
        std::vector<std::string> out;
        for (const auto& effect : effects) {
            if (const auto* a = std::get_if<effects::Announce>(&effect)) out.push_back(a->text);
        }
        return out;
    }
    nlohmann::json described() const { return nlohmann::json::parse(describe(state)); }
};

void loaded(Manage& run, Environment env = with_extension(), models::ManageView view = active_view()) {
    run.send(events::Start{std::string(kMembershipId), std::string(kToken), std::move(env), at(0)});
    const auto fetch = run.expect<effects::FetchView>();
    EXPECT_EQ(fetch.membership_id, kMembershipId);
    EXPECT_EQ(fetch.token, kToken);
    run.send(events::ViewReplied{fetch.request, std::move(view)});
    ASSERT_EQ(run.name(), "overview");
}

// From the overview, through the question and Phantom's connection, to the CANCEL transaction asked for.
effects::RequestTransaction cancel_until_building(Manage& run) {
    run.send(events::Choose{ManageAction::Cancel});
    EXPECT_EQ(run.name(), "confirm_cancel");
    EXPECT_TRUE(run.effects.size() == 1) << "only the announcement: nothing is asked of Phantom yet";
    run.send(events::Confirm{});
    run.send(events::WalletConnected{run.expect<effects::ConnectExtension>().request, buyer_key()});
    const auto build = run.expect<effects::RequestTransaction>();
    EXPECT_EQ(build.action, ManageAction::Cancel);
    EXPECT_EQ(build.token, kToken);
    return build;
}

// From the overview to the signed transaction's submission.
effects::Submit cancel_until_submitted(Manage& run) {
    const auto build = cancel_until_building(run);
    run.send(events::TransactionReplied{build.request, models::TransactionResponse{"UNSIGNEDtx", {}, 1, std::nullopt}});
    const auto sign = run.expect<effects::SignWithExtension>();
    EXPECT_EQ(sign.transaction, "UNSIGNEDtx");
    run.send(events::WalletSigned{sign.request, "SIGNEDtx"});
    EXPECT_EQ(run.name(), "submitting");
    return run.expect<effects::Submit>();
}

TEST(ManageMachine, LoadsTheSubscriptionAndStatesItInWords) {
    Manage run;
    loaded(run);
    EXPECT_EQ(status_sentence(run.state),
              "Renews automatically on 28 December 2026: 25.00 USDC every 30 days.");
    EXPECT_EQ(allowance_sentence(run.state), "Your wallet's approval covers 11 more renewals (275.00 USDC).");
    EXPECT_EQ(run.announced(), std::vector<std::string>{status_sentence(run.state)});
    const auto json = run.described();
    EXPECT_EQ(json["page"], "manage");
    EXPECT_EQ(json["status"], "ACTIVE");
    EXPECT_EQ(json["can_cancel"], true);
    EXPECT_EQ(json["can_reapprove"], true);
    EXPECT_EQ(json["next_renewal_at"], "2026-12-28T23:00:00Z");
}

TEST(ManageMachine, ALinkWithoutTokenOrWithAWrongOneIsUnavailable) {
    Manage empty;
    empty.send(events::Start{std::string(kMembershipId), "", with_extension(), at(0)});
    EXPECT_EQ(empty.name(), "unavailable");
    EXPECT_TRUE(empty.effects.size() == 1) << "no request without a token";

    Manage wrong;
    wrong.send(events::Start{std::string(kMembershipId), "forged", with_extension(), at(0)});
    wrong.send(events::ViewReplied{wrong.expect<effects::FetchView>().request,
                                   ApiFailure{404, ErrorCode::NotFound, "membership not found"}});
    EXPECT_EQ(wrong.name(), "unavailable");
    wrong.send(events::Retry{});
    EXPECT_EQ(wrong.name(), "unavailable") << "terminal";
    EXPECT_TRUE(wrong.effects.empty());
}

TEST(ManageMachine, CancelAsksFirstThenRevokesThroughPhantomAndShowsTheOutcome) {
    Manage run;
    loaded(run);
    const auto submit = cancel_until_submitted(run);
    EXPECT_EQ(submit.body.action, ManageAction::Cancel);
    EXPECT_EQ(submit.body.signed_transaction, "SIGNEDtx");
    EXPECT_EQ(submit.token, kToken);
    run.send(events::SubmitReplied{submit.request, cancelled_view()});
    EXPECT_EQ(run.name(), "overview");
    EXPECT_EQ(outcome_sentence(run.state),
              "Your subscription is cancelled. Nothing more will be taken; your access lasts until 29 December 2026.");
    EXPECT_EQ(status_sentence(run.state), "Cancelled. Your access lasts until 29 December 2026.");
    const auto json = run.described();
    EXPECT_EQ(json["outcome"], "cancelled");
    EXPECT_EQ(json["can_cancel"], false);
    EXPECT_EQ(allowance_sentence(run.state), "") << "a cancelled subscription draws no allowance";
}

TEST(ManageMachine, KeepingTheSubscriptionAtTheQuestionAsksNothingOfPhantom) {
    Manage run;
    loaded(run);
    run.send(events::Choose{ManageAction::Cancel});
    EXPECT_EQ(cancel_sentence(run.state),
              "Hilt will not renew \u201cPro Pass\u201d again. You keep access until 29 December 2026. Phantom "
              "will ask you to remove Hilt's permission to take renewals from this wallet.");
    run.send(events::Back{});
    EXPECT_EQ(run.name(), "overview");
    EXPECT_TRUE(run.effects.empty());
    EXPECT_FALSE(run.state.ctx.action);
}

TEST(ManageMachine, OnlyTheSubscriptionsWalletMaySign) {
    Manage run;
    loaded(run);
    run.send(events::Choose{ManageAction::Cancel});
    run.send(events::Confirm{});
    const auto other = key("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM");
    run.send(events::WalletConnected{run.expect<effects::ConnectExtension>().request, other});
    EXPECT_EQ(run.name(), "wrong_wallet");
    EXPECT_EQ(run.described()["connected"], other.to_base58());
    run.send(events::Retry{});
    EXPECT_EQ(run.name(), "connecting_wallet");
    run.send(events::WalletConnected{run.expect<effects::ConnectExtension>().request, buyer_key()});
    EXPECT_EQ(run.name(), "building_transaction");
}

TEST(ManageMachine, ReapprovalStatesWhatTheNewApprovalAllows) {
    Manage run;
    loaded(run);
    run.send(events::Choose{ManageAction::Reapprove});
    EXPECT_EQ(run.name(), "connecting_wallet") << "no question first: the approval is stated while signing";
    run.send(events::WalletConnected{run.expect<effects::ConnectExtension>().request, buyer_key()});
    const auto build = run.expect<effects::RequestTransaction>();
    EXPECT_EQ(build.action, ManageAction::Reapprove);
    models::RenewalApproval approval{key("GvDMxPzN1sCj7L26YDK2HnMRXEQmQ2aemov8YBtPS7vR"), 575'000'000, 12,
                                     275'000'000, std::nullopt};
    run.send(events::TransactionReplied{build.request, models::TransactionResponse{"UNSIGNEDtx", {}, 1, approval}});
    EXPECT_EQ(run.name(), "awaiting_signature");
    EXPECT_EQ(approval_sentence(run.state),
              "You allow Hilt to take up to 300.00 USDC more from this wallet's USDC: 25.00 USDC every 30 days, "
              "for up to 12 renewals. The wallet's whole approval becomes 575.00 USDC.");
    run.send(events::WalletSigned{run.expect<effects::SignWithExtension>().request, "SIGNEDtx"});
    const auto submit = run.expect<effects::Submit>();
    EXPECT_EQ(submit.body.action, ManageAction::Reapprove);
    auto after = active_view();
    after.subscription->delegated_minor_units = 575'000'000;
    after.subscription->renewals_covered = 23;
    run.send(events::SubmitReplied{submit.request, after});
    EXPECT_EQ(run.described()["outcome"], "reapproved");
    EXPECT_EQ(allowance_sentence(run.state), "Your wallet's approval covers 23 more renewals (575.00 USDC).");
}

TEST(ManageMachine, AServerRefusalReloadsTheViewAndSaysWhy) {
    Manage run;
    loaded(run);
    run.send(events::TransactionReplied{cancel_until_building(run).request,
                                        ApiFailure{409, ErrorCode::Conflict, "this membership is already cancelled"}});
    EXPECT_EQ(run.name(), "loading");
    run.send(events::ViewReplied{run.expect<effects::FetchView>().request, cancelled_view()});
    EXPECT_EQ(run.name(), "overview");
    EXPECT_EQ(run.described()["refusal"], "this membership is already cancelled");
    EXPECT_FALSE(run.described().contains("outcome"));
}

TEST(ManageMachine, NetworkFailuresRetryTheSameStepWithTheSameSignedTransaction) {
    Manage run;
    loaded(run);
    const auto first = cancel_until_submitted(run);
    run.send(events::SubmitReplied{first.request, ApiFailure{0, std::nullopt, ""}});
    EXPECT_EQ(run.name(), "network_error");
    run.send(events::SubmitReplied{first.request, cancelled_view()});
    EXPECT_EQ(run.name(), "network_error") << "a late answer to an abandoned request is ignored";
    run.send(events::Retry{});
    const auto again = run.expect<effects::Submit>();
    EXPECT_NE(again.request, first.request);
    EXPECT_EQ(again.body, first.body);
}

TEST(ManageMachine, PhantomDecliningLeavesTryAgainAndKeep) {
    Manage run;
    loaded(run);
    run.send(events::TransactionReplied{cancel_until_building(run).request,
                                        models::TransactionResponse{"UNSIGNEDtx", {}, 1, std::nullopt}});
    run.send(events::WalletFailed{run.expect<effects::SignWithExtension>().request, phantom_codes::kUserRejected,
                                  "User rejected the request."});
    EXPECT_EQ(run.name(), "wallet_rejected");
    EXPECT_EQ(run.announced(), std::vector<std::string>{std::string(wallet_error_text(phantom_codes::kUserRejected))});
    run.send(events::Retry{});
    EXPECT_EQ(run.name(), "building_transaction") << "the wallet stays connected; a fresh transaction is built";
    run.send(events::Back{});
    EXPECT_EQ(run.name(), "overview");
}

TEST(ManageMachine, WithoutPhantomNothingCanBeChosenAndAPhoneOpensThePageInPhantom) {
    Manage run;
    loaded(run, phone_without_provider());
    EXPECT_FALSE(can_choose(run.state, ManageAction::Cancel));
    run.send(events::Choose{ManageAction::Cancel});
    EXPECT_EQ(run.name(), "overview");
    run.send(events::OpenInPhantom{});
    const auto open = run.expect<effects::OpenDeeplink>();
    EXPECT_EQ(open.url, "https://phantom.app/ul/browse/https%3A%2F%2Fhilt.example%2Fm%2Fmem_4Fq9Zt%23k%3D" +
                            std::string(kToken) + "?ref=https%3A%2F%2Fhilt.example");
}

TEST(ManageMachine, GraceAndLapseAreStatedWithTheReason) {
    Manage grace;
    auto v = active_view();
    v.status = MembershipStatus::Grace;
    v.grace_period_end_at = Timestamp{kPeriodEnd + 3 * 86400};
    v.next_renewal_at = Timestamp{kPeriodEnd + 6 * 3600};
    v.subscription->delegate_approved = false;
    v.subscription->delegated_minor_units = 0;
    v.subscription->renewals_covered = 0;
    v.subscription->last_failure = models::RenewalFailure{models::RenewalFailureReason::DelegateRevoked,
                                                          Timestamp{kPeriodEnd - 3600}, 1,
                                                          Timestamp{kPeriodEnd + 6 * 3600}};
    loaded(grace, with_extension(), v);
    EXPECT_EQ(status_sentence(grace.state),
              "Your last renewal did not go through: the approval for renewals was removed in your wallet. Your "
              "access continues until 1 January 2027 while Hilt tries again (next on 29 December 2026).");
    EXPECT_EQ(allowance_sentence(grace.state),
              "Your wallet no longer lets Hilt take renewals, so this subscription cannot renew. Approve more "
              "renewals to keep it.");

    Manage ended;
    auto e = active_view();
    e.status = MembershipStatus::Expired;
    e.current_period_end_at = Timestamp{kNextPeriodEnd};
    e.grace_period_end_at = Timestamp{kNextPeriodEnd + 3 * 86400};
    e.can_cancel = e.can_reapprove = false;
    loaded(ended, with_extension(), e);
    EXPECT_EQ(status_sentence(ended.state),
              "This membership has ended (31 January 2027). Buy it again from the seller to come back.");
    EXPECT_FALSE(can_choose(ended.state, ManageAction::Reapprove));
}

}  // namespace
}  // namespace hilt::flow::manage
