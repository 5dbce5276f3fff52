// The plain words about automatic renewal (docs/plans/subscriptions.md §5.3, docs/api.md "POST
// /v1/payments/{id}/transaction"): the terms line from the payload, and the approval wording from
// the transaction's `approval`, with the buyer's other Hilt subscriptions and a replaced delegate.
#include "flow/renewal_wording.h"

#include <gtest/gtest.h>

#include "unit/flow/checkout_test_support.h"

namespace hilt::flow {
namespace {

using namespace hilt::flow::test;

// 12.50 USDC every 30 days.
RenewalPrice monthly() { return RenewalPrice{12'500'000, 6, "USDC", 30, std::nullopt}; }

models::RenewalApproval approval_of(std::int64_t allowance, std::int64_t periods,
                                    std::int64_t existing = 0) {
    models::RenewalApproval a;
    a.delegate = key("Vote111111111111111111111111111111111111111");
    a.allowance_minor_units = allowance;
    a.allowance_periods = periods;
    a.existing_allowance_minor_units = existing;
    return a;
}

models::PublicCheckout automatic_payload() {
    auto p = sample_payload();
    p.amount_minor_units = 12'500'000;
    p.membership_renewal_mode = models::RenewalMode::Automatic;
    p.membership_billing_interval_days = 30;
    return p;
}

TEST(RenewalWording, FirstApprovalStatesTheCeilingThePriceTheIntervalAndThePeriods) {
    EXPECT_EQ(approval_text(approval_of(150'000'000, 12), monthly()),
              "Renews automatically. You also allow Hilt to take up to 150.00 USDC from this "
              "wallet's USDC: 12.50 USDC every 30 days, for up to 12 renewals. Cancel any time by "
              "revoking this approval in your wallet.");
}

TEST(RenewalWording, OtherHiltSubscriptionsKeepTheirApprovalAndTheNewTotalIsStated) {
    EXPECT_EQ(approval_text(approval_of(187'500'000, 12, 37'500'000), monthly()),
              "Renews automatically. You also allow Hilt to take up to 150.00 USDC from this "
              "wallet's USDC: 12.50 USDC every 30 days, for up to 12 renewals. Your other Hilt "
              "subscriptions keep their approval (37.50 USDC); the new total is 187.50 USDC. "
              "Cancel any time by revoking this approval in your wallet.");
}

TEST(RenewalWording, AReplacedDelegateIsNamedShort) {
    auto a = approval_of(150'000'000, 12);
    a.replaces_delegate = key("7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU");
    const std::string text = approval_text(a, monthly());
    EXPECT_NE(text.find(" This replaces the spending approval this USDC account gave to "
                        "7xKX\u2026gAsU. "),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("Your other Hilt subscriptions"), std::string::npos) << text;
    EXPECT_EQ(short_address(*a.replaces_delegate), "7xKX\u2026gAsU");
}

TEST(RenewalWording, OneDayOnePeriodAndExactAmountsReadNaturally) {
    const RenewalPrice daily{1'234'567, 6, "USDC", 1, std::nullopt};
    EXPECT_EQ(approval_text(approval_of(1'234'567, 1), daily),
              "Renews automatically. You also allow Hilt to take up to 1.234567 USDC from this "
              "wallet's USDC: 1.234567 USDC every day, for up to 1 renewal. Cancel any time by "
              "revoking this approval in your wallet.");
}

TEST(RenewalWording, NeverStatesLessThanTheApprovalWhenTheExistingAmountLooksWrong) {
    // existing >= allowance cannot come from hiltd; the sentence then names the whole approval.
    const std::string text = approval_text(approval_of(50'000'000, 12, 60'000'000), monthly());
    EXPECT_NE(text.find("take up to 50.00 USDC"), std::string::npos) << text;
}

TEST(RenewalWording, TermsLineComesFromTheAutomaticPayloadOnly) {
    const auto price = renewal_price(automatic_payload());
    ASSERT_TRUE(price);
    EXPECT_EQ(*price, monthly());
    EXPECT_EQ(renewal_terms_text(*price),
              "Renews automatically: 12.50 USDC every 30 days until you cancel. To renew, you "
              "approve Hilt to take these payments from your wallet's USDC; the limit is shown "
              "before you sign.");

    // The payload states how many renewals the approval covers: the limit is known before any wallet
    // (the QR lane never sees /transaction's approval).
    auto stated = automatic_payload();
    stated.membership_allowance_periods = 12;
    EXPECT_EQ(renewal_terms_text(*renewal_price(stated)),
              "Renews automatically: 12.50 USDC every 30 days until you cancel. To renew, you approve Hilt to "
              "take up to 150.00 USDC from your wallet's USDC, for up to 12 renewals.");
    stated.membership_allowance_periods = 1;
    EXPECT_EQ(renewal_terms_text(*renewal_price(stated)),
              "Renews automatically: 12.50 USDC every 30 days until you cancel. To renew, you approve Hilt to "
              "take up to 12.50 USDC from your wallet's USDC, for up to 1 renewal.");

    auto one_off = automatic_payload();
    one_off.membership_renewal_mode = models::RenewalMode::OneOff;
    EXPECT_FALSE(renewal_price(one_off));
    auto no_membership = automatic_payload();
    no_membership.membership_enabled = false;
    EXPECT_FALSE(renewal_price(no_membership));
}

TEST(RenewalWording, MoneyWordsAreExact) {
    EXPECT_EQ(money_words(12'000'000, 6, "USDC"), "12.00 USDC");
    EXPECT_EQ(money_words(12'345'678, 6, "USDC"), "12.345678 USDC");
    EXPECT_EQ(money_words(0, 6, "USDC"), "0.00 USDC");
}

}  // namespace
}  // namespace hilt::flow
