// The checkout of an AUTOMATIC product (issue 7): the terms line before paying, the approval of
// Hilt's renewal delegate stated in words (on screen, announced, published) before the buyer signs,
// and on Phantom's deeplink lane the sign deeplink held until the buyer has read it
// (docs/api.md "POST /v1/payments/{id}/transaction", docs/plans/subscriptions.md §5.3).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "flow/checkout_machine.h"
#include "flow/renewal_wording.h"
#include "flow/session_snapshot.h"
#include "unit/flow/checkout_test_support.h"

namespace hilt::flow {
namespace {

using namespace hilt::flow::test;
using models::PaymentStatus;

// The sample approval (12 renewals of 25.00 USDC every 30 days), in the buyer's words.
constexpr std::string_view kApprovalWords =
    "Renews automatically. You also allow Hilt to take up to 300.00 USDC from this wallet's USDC: "
    "25.00 USDC every 30 days, for up to 12 renewals. Cancel any time by revoking this approval in "
    "your wallet.";
constexpr std::string_view kTermsWords =
    "Renews automatically: 25.00 USDC every 30 days until you cancel. To renew, you approve Hilt "
    "to take these payments from your wallet's USDC; the limit is shown before you sign.";

nlohmann::json described(const Checkout& run) {
    auto json = nlohmann::json::parse(describe(run.state), nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << describe(run.state);
    return json;
}

void load_automatic(Checkout& run, Environment env) {
    run.send(
        events::Start{std::string(kSlug), std::nullopt, std::move(env), at(0), true, std::nullopt});
    run.send(events::PayloadReplied{run.expect<effects::FetchPayload>().request,
                                    sample_automatic_payload()});
}

// Desktop with the extension, an AUTOMATIC product, up to the transaction being built.
void extension_until_building(Checkout& run) {
    load_automatic(run, desktop_with_extension());
    start_session(run, CheckoutRoute::PhantomExtension);
    run.send(events::WalletConnected{run.expect<effects::ConnectExtension>().request, buyer_key()});
    ASSERT_EQ(run.name(), "building_transaction");
}

// A phone on Phantom's deeplink lane, an AUTOMATIC product, back from the connect deeplink with
// the transaction being built (a fresh page, restored from the snapshot).
void mobile_until_building(Checkout& run) {
    Checkout first;
    load_automatic(first, phone_without_provider());
    start_session(first, CheckoutRoute::PhantomMobile);
    const auto connect = first.expect<effects::OpenConnectDeeplink>();
    const auto snapshot = first.expect<effects::PersistSession>().snapshot;
    run.send(events::Restore{
        snapshot, PhantomRedirect{connect.request, redirect::ConnectApproved{buyer_key()}},
        phone_without_provider(), at(20), true});
    run.send(events::PayloadReplied{run.expect<effects::FetchPayload>().request,
                                    sample_automatic_payload()});
    ASSERT_EQ(run.name(), "building_transaction");
}

TEST(CheckoutRenewal, TheTermsLineIsKnownFromThePayloadBeforePaying) {
    Checkout run;
    load_automatic(run, desktop_with_extension());
    ASSERT_EQ(run.name(), "product_shown");
    EXPECT_EQ(renewal_terms(run.state), kTermsWords);
    EXPECT_EQ(approval_wording(run.state), "") << "no wallet, so no allowance to state yet";
    const auto json = described(run);
    EXPECT_EQ(json["renewal_terms"], kTermsWords);
    EXPECT_FALSE(json.contains("approval"));
}

TEST(CheckoutRenewal, ExtensionStatesTheApprovalWhilePhantomAsksForTheSignature) {
    Checkout run;
    extension_until_building(run);
    const auto build = run.expect<effects::RequestTransaction>();
    run.send(events::TransactionReplied{build.request, sample_transaction_with_approval()});
    ASSERT_EQ(run.name(), "awaiting_signature");
    EXPECT_FALSE(run.phase<phases::AwaitingSignature>()->held)
        << "the extension's popup opens beside the page";
    ASSERT_EQ(run.effect_names(),
              (std::vector<std::string_view>{"sign_with_extension", "announce"}));
    EXPECT_EQ(run.state.ctx.approval, sample_approval());
    EXPECT_EQ(approval_wording(run.state), kApprovalWords);
    EXPECT_EQ(run.expect<effects::Announce>().text,
              "Review and approve the payment in Phantom. " + std::string(kApprovalWords))
        << "a screen reader hears the approval with the prompt";

    const auto json = described(run);
    ASSERT_TRUE(json.contains("approval"));
    EXPECT_EQ(json["approval"]["text"], kApprovalWords);
    EXPECT_EQ(json["approval"]["delegate"], "Stake11111111111111111111111111111111111111");
    EXPECT_EQ(json["approval"]["allowance_minor_units"], 300'000'000);
    EXPECT_EQ(json["approval"]["allowance_periods"], 12);
    EXPECT_EQ(json["approval"]["existing_allowance_minor_units"], 0);
    EXPECT_FALSE(json["approval"].contains("replaces_delegate"));
    EXPECT_FALSE(json.contains("held"));

    // Signing goes on exactly as for any payment.
    run.send(events::WalletSigned{run.expect<effects::SignWithExtension>().request,
                                  std::string(kSignedTx)});
    EXPECT_EQ(run.name(), "broadcasting");
}

TEST(CheckoutRenewal, TheBuyersOtherSubscriptionsAndAReplacedDelegateAreStated) {
    Checkout run;
    extension_until_building(run);
    auto reply = sample_transaction_with_approval(37'500'000);
    run.send(events::TransactionReplied{run.expect<effects::RequestTransaction>().request, reply});
    EXPECT_NE(approval_wording(run.state).find(
                  "Your other Hilt subscriptions keep their approval (37.50 USDC); the new total "
                  "is 337.50 USDC."),
              std::string::npos)
        << approval_wording(run.state);
    EXPECT_NE(approval_wording(run.state).find("take up to 300.00 USDC"), std::string::npos);

    Checkout other;
    extension_until_building(other);
    auto replacing = sample_transaction_with_approval();
    replacing.approval->replaces_delegate = key("Vote111111111111111111111111111111111111111");
    other.send(
        events::TransactionReplied{other.expect<effects::RequestTransaction>().request, replacing});
    EXPECT_NE(
        approval_wording(other.state)
            .find("This replaces the spending approval this USDC account gave to Vote\u20261111."),
        std::string::npos)
        << approval_wording(other.state);
    EXPECT_EQ(described(other)["approval"]["replaces_delegate"],
              "Vote111111111111111111111111111111111111111");
}

TEST(CheckoutRenewal, AOneOffProductSaysNothingAboutAnApproval) {
    Checkout run;
    extension_until_signature(run);  // the sample product renews ONE_OFF; no approval in the reply
    ASSERT_EQ(run.name(), "awaiting_signature");
    EXPECT_EQ(run.expect<effects::Announce>().text, "Review and approve the payment in Phantom.");
    EXPECT_FALSE(run.state.ctx.approval);
    EXPECT_EQ(renewal_terms(run.state), "");
    EXPECT_EQ(approval_wording(run.state), "");
    const auto json = described(run);
    EXPECT_FALSE(json.contains("approval"));
    EXPECT_FALSE(json.contains("renewal_terms"));
}

TEST(CheckoutRenewal, DeeplinkLaneHoldsTheSignDeeplinkUntilTheBuyerContinues) {
    Checkout run;
    mobile_until_building(run);
    run.send(events::TransactionReplied{run.expect<effects::RequestTransaction>().request,
                                        sample_transaction_with_approval()});
    ASSERT_EQ(run.name(), "awaiting_signature");
    const auto* held = run.phase<phases::AwaitingSignature>();
    ASSERT_NE(held, nullptr);
    EXPECT_TRUE(held->held);
    EXPECT_EQ(held->request, 0u);
    EXPECT_EQ(held->transaction, kUnsignedTx);
    ASSERT_EQ(run.effect_names(), (std::vector<std::string_view>{"announce"}))
        << "Phantom is not opened (the page would unload) before the buyer has read the approval";
    EXPECT_EQ(
        run.expect<effects::Announce>().text,
        "Read the renewal approval, then continue in Phantom. " + std::string(kApprovalWords));
    EXPECT_TRUE(pending_requests(run.state).empty());
    EXPECT_EQ(described(run)["held"], true);
    EXPECT_EQ(described(run)["approval"]["text"], kApprovalWords);

    run.send(events::ContinueInPhantom{});
    ASSERT_EQ(run.effect_names(),
              (std::vector<std::string_view>{"persist_session", "open_sign_deeplink", "announce"}))
        << "the snapshot is saved before the page navigates away";
    const auto sign = run.expect<effects::OpenSignDeeplink>();
    EXPECT_EQ(sign.transaction, kUnsignedTx);
    EXPECT_GT(sign.request, 0u);
    const auto snapshot = run.expect<effects::PersistSession>().snapshot;
    EXPECT_EQ(snapshot.stage, SnapshotStage::AwaitingSignature);
    EXPECT_EQ(snapshot.deeplink_request, sign.request);
    EXPECT_EQ(run.expect<effects::Announce>().text, "Opening Phantom to approve the payment.");
    EXPECT_FALSE(run.phase<phases::AwaitingSignature>()->held);
    EXPECT_EQ(pending_requests(run.state), std::vector<RequestId>{sign.request});

    const State opened = run.state;
    run.send(events::ContinueInPhantom{});
    EXPECT_EQ(run.state, opened) << "a second press opens nothing more";
    EXPECT_TRUE(run.effects.empty());

    // Phantom signs and redirects back: the payment goes on as on any deeplink checkout.
    Checkout back;
    back.send(events::Restore{
        parse_snapshot(dump_snapshot(snapshot)).value(),
        PhantomRedirect{sign.request, redirect::SignApproved{std::string(kSignedTx)}},
        phone_without_provider(), at(60), true});
    back.send(events::PayloadReplied{back.expect<effects::FetchPayload>().request,
                                     sample_automatic_payload()});
    EXPECT_EQ(back.name(), "broadcasting");
    EXPECT_EQ(back.expect<effects::Broadcast>().signed_transaction, kSignedTx);
}

TEST(CheckoutRenewal, BackFromAHeldSignatureForgetsTheApprovalAndShowsTheTermsAgain) {
    Checkout run;
    mobile_until_building(run);
    run.send(events::TransactionReplied{run.expect<effects::RequestTransaction>().request,
                                        sample_transaction_with_approval()});
    run.send(events::Back{});
    EXPECT_EQ(run.name(), "product_shown");
    EXPECT_FALSE(run.state.ctx.approval);
    EXPECT_EQ(approval_wording(run.state), "");
    const auto json = described(run);
    EXPECT_FALSE(json.contains("approval"));
    EXPECT_EQ(json["renewal_terms"], kTermsWords);
}

TEST(CheckoutRenewal, AHeldSignatureExpiresWithTheSession) {
    Checkout run;
    mobile_until_building(run);
    run.send(events::TransactionReplied{run.expect<effects::RequestTransaction>().request,
                                        sample_transaction_with_approval()});
    run.send(events::Tick{at(kSessionSeconds)});
    EXPECT_EQ(run.name(), "expired");
    run.send(events::ContinueInPhantom{});
    EXPECT_TRUE(run.effects.empty());
}

TEST(CheckoutRenewal, ContinueInPhantomIsIgnoredWhenNothingIsHeld) {
    Checkout product;
    load_automatic(product, phone_without_provider());
    const State shown = product.state;
    product.send(events::ContinueInPhantom{});
    EXPECT_EQ(product.state, shown);
    EXPECT_TRUE(product.effects.empty());

    Checkout extension;
    extension_until_building(extension);
    extension.send(
        events::TransactionReplied{extension.expect<effects::RequestTransaction>().request,
                                   sample_transaction_with_approval()});
    const State signing = extension.state;
    extension.send(events::ContinueInPhantom{});
    EXPECT_EQ(extension.state, signing);
    EXPECT_TRUE(extension.effects.empty());
}

TEST(CheckoutRenewal, ARejectedSignatureRebuildsAndStatesTheNewApproval) {
    Checkout run;
    extension_until_building(run);
    run.send(events::TransactionReplied{run.expect<effects::RequestTransaction>().request,
                                        sample_transaction_with_approval()});
    run.send(events::WalletFailed{run.expect<effects::SignWithExtension>().request,
                                  phantom_codes::kUserRejected, "User rejected the request."});
    ASSERT_EQ(run.name(), "wallet_rejected");
    run.send(events::Retry{});
    ASSERT_EQ(run.name(), "building_transaction");
    run.send(events::TransactionReplied{run.expect<effects::RequestTransaction>().request,
                                        sample_transaction_with_approval(25'000'000)});
    EXPECT_EQ(run.state.ctx.approval, sample_approval(25'000'000));
    EXPECT_NE(approval_wording(run.state).find("the new total is 325.00 USDC"), std::string::npos);
}

}  // namespace
}  // namespace hilt::flow
