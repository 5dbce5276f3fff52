// The checkout state machine, transition by transition (docs/api.md "Public checkout routes",
// architecture.md "The buyer's path", solana-phantom.md §1).
#include "flow/checkout_machine.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "flow/session_snapshot.h"
#include "unit/flow/checkout_test_support.h"

namespace hilt::flow {
namespace {

using namespace hilt::flow::test;
using models::FailureReason;
using models::PaymentStatus;

// ---- loading -----------------------------------------------------------------------------------

TEST(CheckoutLoading, StartRequestsThePayloadAndShowsTheProductWhenItArrives) {
    Checkout run;
    EXPECT_EQ(run.name(), "booting");
    run.send(
        events::Start{std::string(kSlug), std::nullopt, desktop_with_extension(), at(0), true, std::nullopt});
    EXPECT_EQ(run.name(), "loading");
    const auto fetch = run.expect<effects::FetchPayload>();
    EXPECT_EQ(fetch.slug, kSlug);
    EXPECT_NE(fetch.request, 0u);
    EXPECT_EQ(run.count<effects::ResolveHandoff>(), 0u);

    run.send(events::PayloadReplied{fetch.request, sample_payload()});
    EXPECT_EQ(run.name(), "product_shown");
    ASSERT_TRUE(run.state.ctx.payload);
    EXPECT_EQ(run.state.ctx.payload->title, "Pro Pass");
    EXPECT_FALSE(seconds_remaining(run.state)) << "no session yet, so no countdown";
}

TEST(CheckoutLoading, HandoffTokenIsResolvedAlongsideThePayloadAndShowsPayingAs) {
    Checkout run;
    run.send(events::Start{std::string(kSlug), "hot_token", desktop_with_extension(), at(0), true, std::nullopt});
    const auto fetch = run.expect<effects::FetchPayload>();
    const auto resolve = run.expect<effects::ResolveHandoff>();
    EXPECT_EQ(resolve.token, "hot_token");
    EXPECT_NE(fetch.request, resolve.request);

    run.send(events::PayloadReplied{fetch.request, sample_payload()});
    EXPECT_EQ(run.name(), "loading") << "still waiting for the identity";
    run.send(events::HandoffReplied{resolve.request, sample_handoff()});
    EXPECT_EQ(run.name(), "product_shown");
    ASSERT_TRUE(run.state.ctx.handoff);
    EXPECT_EQ(run.state.ctx.handoff->identity.display_name, "ada#4821");
    EXPECT_NE(describe(run.state).find("\"paying_as\":\"ada#4821\""), std::string::npos);
}

TEST(CheckoutLoading, RefusedHandoffShowsTheProductWithoutIdentityAndNeverSendsTheToken) {
    for (const auto& refusal :
         {api_error(401, ErrorCode::HandoffInvalid), api_error(410, ErrorCode::HandoffExpired),
          api_error(409, ErrorCode::HandoffUsed)}) {
        Checkout run;
        run.send(
            events::Start{std::string(kSlug), "hot_token", desktop_with_extension(), at(0), true, std::nullopt});
        const auto fetch = run.expect<effects::FetchPayload>();
        const auto resolve = run.expect<effects::ResolveHandoff>();
        run.send(events::HandoffReplied{resolve.request, refusal});
        run.send(events::PayloadReplied{fetch.request, sample_payload()});
        EXPECT_EQ(run.name(), "product_shown");
        EXPECT_FALSE(run.state.ctx.handoff);
        EXPECT_EQ(run.state.ctx.handoff_problem, refusal.code);
        EXPECT_TRUE(run.find<effects::Announce>()) << "the buyer hears why the link was not used";

        run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
        EXPECT_FALSE(run.expect<effects::StartSession>().handoff_token);
    }
}

TEST(CheckoutLoading, HandoffForAnotherProductIsNotShown) {
    Checkout run;
    run.send(events::Start{std::string(kSlug), "hot_token", desktop_with_extension(), at(0), true, std::nullopt});
    const auto fetch = run.expect<effects::FetchPayload>();
    const auto resolve = run.expect<effects::ResolveHandoff>();
    run.send(events::HandoffReplied{resolve.request, sample_handoff("another-product")});
    run.send(events::PayloadReplied{fetch.request, sample_payload()});
    EXPECT_EQ(run.name(), "product_shown");
    EXPECT_FALSE(run.state.ctx.handoff);
    EXPECT_EQ(run.state.ctx.handoff_problem, ErrorCode::HandoffInvalid);
}

TEST(CheckoutLoading, PayloadNetworkErrorOffersRetryThatFetchesAgain) {
    Checkout run;
    run.send(
        events::Start{std::string(kSlug), std::nullopt, desktop_with_extension(), at(0), true, std::nullopt});
    const auto first = run.expect<effects::FetchPayload>();
    run.send(events::PayloadReplied{first.request, api_error(503, ErrorCode::ChainUnavailable)});
    EXPECT_EQ(run.name(), "network_error");
    EXPECT_EQ(std::get<phases::NetworkError>(run.state.phase).step, RetryStep::FetchPayload);

    run.send(events::Retry{});
    EXPECT_EQ(run.name(), "loading");
    const auto second = run.expect<effects::FetchPayload>();
    EXPECT_EQ(second.slug, kSlug);
    EXPECT_GT(second.request, first.request);
    run.send(events::PayloadReplied{second.request, sample_payload()});
    EXPECT_EQ(run.name(), "product_shown");
}

TEST(CheckoutLoading, HandoffNetworkErrorRetryResolvesOnlyTheIdentity) {
    Checkout run;
    run.send(events::Start{std::string(kSlug), "hot_token", desktop_with_extension(), at(0), true, std::nullopt});
    const auto fetch = run.expect<effects::FetchPayload>();
    const auto resolve = run.expect<effects::ResolveHandoff>();
    run.send(events::PayloadReplied{fetch.request, sample_payload()});
    run.send(events::HandoffReplied{resolve.request, offline()});
    EXPECT_EQ(run.name(), "network_error");
    run.send(events::Retry{});
    EXPECT_EQ(run.count<effects::FetchPayload>(), 0u) << "the payload already arrived";
    const auto again = run.expect<effects::ResolveHandoff>();
    run.send(events::HandoffReplied{again.request, sample_handoff()});
    EXPECT_EQ(run.name(), "product_shown");
    EXPECT_TRUE(run.state.ctx.handoff);
}

TEST(CheckoutLoading, ArchivedOrUnknownProductFailsWithTheServersCode) {
    for (const auto& [failure, code] :
         {std::pair{api_error(410, ErrorCode::ProductArchived), ErrorCode::ProductArchived},
          std::pair{api_error(404, ErrorCode::NotFound), ErrorCode::NotFound}}) {
        Checkout run;
        run.send(
            events::Start{std::string(kSlug), std::nullopt, desktop_with_extension(), at(0), true, std::nullopt});
        run.send(events::PayloadReplied{run.expect<effects::FetchPayload>().request, failure});
        ASSERT_EQ(run.name(), "failed");
        EXPECT_EQ(std::get<phases::Failed>(run.state.phase).error, code);
        EXPECT_TRUE(run.find<effects::ClearSession>());
    }
}

TEST(CheckoutLoading, EventsBeforeStartAreIgnored) {
    Checkout run;
    const State before = run.state;
    for (const Event& event : std::vector<Event>{
             events::Tick{at(5)}, events::Retry{}, events::Back{},
             events::ChooseRoute{CheckoutRoute::SolanaPayQr}, events::PageVisibilityChanged{false},
             events::PayloadReplied{1, sample_payload()}}) {
        run.send(event);
        EXPECT_EQ(run.state, before) << event_name(event);
        EXPECT_TRUE(run.effects.empty()) << event_name(event);
    }
}

// ---- choosing a lane ---------------------------------------------------------------------------

// ---- ?payment=: the page Phantom's browse deeplink reopens continues the same session ------------

events::Start start_with_payment(Environment env) {
    return events::Start{std::string(kSlug), std::nullopt, std::move(env), at(0), true, std::string(kPaymentId)};
}

TEST(CheckoutResume, AnOpenSessionIsContinuedAndPayingReusesIt) {
    Checkout run;
    run.send(start_with_payment(desktop_with_extension()));
    const auto fetch = run.expect<effects::FetchPayload>();
    const auto session = run.expect<effects::FetchSession>();
    EXPECT_EQ(session.payment_id, kPaymentId);
    EXPECT_NE(session.request, fetch.request);
    run.send(events::SessionReplied{session.request, sample_session()});
    EXPECT_EQ(run.name(), "loading") << "still waiting for the payload";
    run.send(events::PayloadReplied{fetch.request, sample_payload()});
    EXPECT_EQ(run.name(), "product_shown");
    EXPECT_EQ(seconds_remaining(run.state), kSessionSeconds) << "the session's own countdown";
    EXPECT_NE(describe(run.state).find("\"payment_id\":\"pay_7Hq2sP\""), std::string::npos);

    run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
    EXPECT_EQ(run.count<effects::StartSession>(), 0u) << "no second session";
    EXPECT_EQ(run.name(), "connecting_wallet");
    const auto connect = run.expect<effects::ConnectExtension>();
    run.send(events::WalletConnected{connect.request, buyer_key()});
    EXPECT_EQ(run.expect<effects::RequestTransaction>().payment_id, kPaymentId);
}

TEST(CheckoutResume, ASentPaymentIsFollowedToConfirmation) {
    for (const auto status : {models::PaymentStatus::PendingConfirmation, models::PaymentStatus::Confirmed}) {
        Checkout run;
        run.send(start_with_payment(phone_without_provider()));
        const auto fetch = run.expect<effects::FetchPayload>();
        const auto session = run.expect<effects::FetchSession>();
        run.send(events::PayloadReplied{fetch.request, sample_payload()});
        auto sent = sample_session();
        sent.status = status;
        run.send(events::SessionReplied{session.request, sent});
        EXPECT_EQ(run.name(), "confirming");
        const auto poll = run.expect<effects::PollStatus>();
        EXPECT_EQ(poll.payment_id, kPaymentId);
        run.send(events::StatusReplied{poll.request, payment_with(models::PaymentStatus::Confirmed)});
        const auto confirm = run.expect<effects::Confirm>();
        run.send(events::ConfirmReplied{confirm.request, confirmation_with(models::PaymentStatus::Confirmed)});
        EXPECT_EQ(run.name(), "confirmed");
    }
}

TEST(CheckoutResume, AFailedForeignOrUnreadableSessionIsIgnored) {
    auto failed = sample_session();
    failed.status = models::PaymentStatus::Failed;
    auto foreign = sample_session();
    foreign.slug = "another-product";
    for (const Reply<models::ConnectResponse>& reply :
         {Reply<models::ConnectResponse>(failed), Reply<models::ConnectResponse>(foreign),
          Reply<models::ConnectResponse>(api_error(404, ErrorCode::NotFound)),
          Reply<models::ConnectResponse>(offline())}) {
        Checkout run;
        run.send(start_with_payment(desktop_with_extension()));
        const auto fetch = run.expect<effects::FetchPayload>();
        const auto session = run.expect<effects::FetchSession>();
        run.send(events::PayloadReplied{fetch.request, sample_payload()});
        run.send(events::SessionReplied{session.request, reply});
        EXPECT_EQ(run.name(), "product_shown");
        EXPECT_FALSE(run.state.ctx.session);
        run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
        EXPECT_EQ(run.count<effects::StartSession>(), 1u) << "paying starts a new session";
    }
}

TEST(CheckoutResume, AStaleSessionReplyIsIgnored) {
    Checkout run;
    run.send(start_with_payment(desktop_with_extension()));
    const auto fetch = run.expect<effects::FetchPayload>();
    const auto session = run.expect<effects::FetchSession>();
    run.send(events::SessionReplied{session.request + 100, sample_session()});
    run.send(events::PayloadReplied{fetch.request, sample_payload()});
    EXPECT_EQ(run.name(), "loading") << "the session's own answer is still awaited";
    run.send(events::SessionReplied{session.request, sample_session()});
    EXPECT_EQ(run.name(), "product_shown");
    ASSERT_TRUE(run.state.ctx.session);
}

TEST(CheckoutRoutes, LanesTheEnvironmentCannotUseAreIgnored) {
    Checkout run;
    load(run, desktop_without_wallet());
    const State before = run.state;
    run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
    EXPECT_EQ(run.state, before);
    run.send(events::ChooseRoute{CheckoutRoute::PhantomMobile});
    EXPECT_EQ(run.state, before);
    EXPECT_TRUE(run.effects.empty());
    run.send(events::ChooseRoute{CheckoutRoute::SolanaPayQr});
    EXPECT_EQ(run.name(), "route_chosen") << "any wallet can scan a Solana Pay code";
}

TEST(CheckoutRoutes, SuggestedRouteFollowsThePayloadDefaultWhenItIsAvailable) {
    Checkout desktop;
    load(desktop, desktop_with_extension(), std::nullopt, CheckoutRoute::SolanaPayQr);
    EXPECT_EQ(suggested_route(desktop.state), CheckoutRoute::SolanaPayQr);

    Checkout phone;
    load(phone, phone_without_provider(), std::nullopt, CheckoutRoute::PhantomExtension);
    EXPECT_EQ(suggested_route(phone.state), CheckoutRoute::PhantomMobile)
        << "no extension on a phone browser: the app-switch comes first";
}

TEST(CheckoutRoutes, ChoosingALaneStartsTheSessionWithTheHandoffToken) {
    Checkout run;
    run.send(events::Start{std::string(kSlug), "hot_token", desktop_with_extension(), at(0), true, std::nullopt});
    const auto fetch = run.expect<effects::FetchPayload>();
    const auto resolve = run.expect<effects::ResolveHandoff>();
    run.send(events::HandoffReplied{resolve.request, sample_handoff()});
    run.send(events::PayloadReplied{fetch.request, sample_payload()});

    run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
    EXPECT_EQ(run.name(), "route_chosen");
    const auto start = run.expect<effects::StartSession>();
    EXPECT_EQ(start.slug, kSlug);
    EXPECT_EQ(start.route, CheckoutRoute::PhantomExtension);
    EXPECT_EQ(start.handoff_token, "hot_token");
    EXPECT_FALSE(start.buyer_wallet);
}

// ---- the three happy paths ---------------------------------------------------------------------

TEST(CheckoutHappyPath, ExtensionPathEndsConfirmedWithDeliveryAndMembership) {
    Checkout run;
    load(run, desktop_with_extension());
    run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
    const auto start = run.expect<effects::StartSession>();
    run.send(events::SessionReplied{start.request, sample_session()});
    EXPECT_EQ(run.name(), "connecting_wallet");
    const auto persisted = run.expect<effects::PersistSession>();
    EXPECT_EQ(persisted.snapshot.stage, SnapshotStage::SessionStarted);
    EXPECT_EQ(persisted.snapshot.session.payment_id, kPaymentId);
    const auto connect = run.expect<effects::ConnectExtension>();
    EXPECT_EQ(seconds_remaining(run.state), kSessionSeconds);

    run.send(events::WalletConnected{connect.request, buyer_key()});
    EXPECT_EQ(run.name(), "building_transaction");
    const auto build = run.expect<effects::RequestTransaction>();
    EXPECT_EQ(build.payment_id, kPaymentId);
    EXPECT_EQ(build.buyer_wallet, buyer_key());

    run.send(events::TransactionReplied{build.request, sample_transaction()});
    EXPECT_EQ(run.name(), "awaiting_signature");
    const auto sign = run.expect<effects::SignWithExtension>();
    EXPECT_EQ(sign.transaction, kUnsignedTx);

    run.send(events::WalletSigned{sign.request, std::string(kSignedTx)});
    EXPECT_EQ(run.name(), "broadcasting");
    const auto broadcast = run.expect<effects::Broadcast>();
    EXPECT_EQ(broadcast.payment_id, kPaymentId);
    EXPECT_EQ(broadcast.signed_transaction, kSignedTx);

    run.send(events::BroadcastReplied{broadcast.request, sample_broadcast()});
    EXPECT_EQ(run.name(), "confirming");
    EXPECT_EQ(run.expect<effects::PersistSession>().snapshot.stage, SnapshotStage::Submitted);
    EXPECT_EQ(run.expect<effects::PersistSession>().snapshot.tx_signature, kTxSignature);
    const auto poll = run.expect<effects::PollStatus>();
    EXPECT_EQ(poll.payment_id, kPaymentId);
    EXPECT_EQ(poll.after_ms, 1000u);

    run.send(events::StatusReplied{poll.request, payment_with(PaymentStatus::PendingConfirmation)});
    const auto poll2 = run.expect<effects::PollStatus>();
    EXPECT_EQ(poll2.after_ms, 2000u);
    run.send(events::StatusReplied{poll2.request, payment_with(PaymentStatus::Confirmed)});
    EXPECT_EQ(run.name(), "confirming") << "delivery comes from the confirm call";
    const auto confirm = run.expect<effects::Confirm>();
    EXPECT_EQ(confirm.payment_id, kPaymentId);
    EXPECT_EQ(confirm.tx_signature, kTxSignature);

    run.send(events::ConfirmReplied{confirm.request, confirmation_with(PaymentStatus::Confirmed)});
    ASSERT_EQ(run.name(), "confirmed");
    const auto& confirmed = std::get<phases::Confirmed>(run.state.phase);
    EXPECT_EQ(confirmed.confirmation.delivery_value, kInviteLink);
    EXPECT_EQ(confirmed.confirmation.membership_period_end_at, at(30 * 86'400));
    EXPECT_EQ(run.state.ctx.tx_signature, kTxSignature);
    EXPECT_EQ(run.expect<effects::Announce>().text, "Payment confirmed.");
    EXPECT_TRUE(is_terminal(run.state));
}

// Simulates browser storage: the snapshot goes through its JSON form between page loads.
SessionSnapshot stored(const effects::PersistSession& persist) {
    const std::string text = dump_snapshot(persist.snapshot);
    auto parsed = parse_snapshot(text);
    EXPECT_TRUE(parsed) << (parsed ? "" : describe(parsed.error())) << "\n" << text;
    return parsed ? *parsed : persist.snapshot;
}

TEST(CheckoutHappyPath, MobileDeeplinkPathSurvivesTwoPageReloadsThroughTheSnapshot) {
    Checkout first_page;
    load(first_page, phone_without_provider());
    first_page.send(events::ChooseRoute{CheckoutRoute::PhantomMobile});
    first_page.send(events::SessionReplied{first_page.expect<effects::StartSession>().request,
                                           sample_session()});
    EXPECT_EQ(first_page.name(), "connecting_wallet");
    ASSERT_EQ(
        first_page.effect_names(),
        (std::vector<std::string_view>{"persist_session", "open_connect_deeplink", "announce"}))
        << "the snapshot must be saved before the page navigates away";
    const auto connect = first_page.expect<effects::OpenConnectDeeplink>();
    EXPECT_EQ(connect.app_url, "https://hilt.example");
    EXPECT_EQ(connect.cluster, models::Cluster::Devnet);
    const auto snapshot1 = stored(first_page.expect<effects::PersistSession>());
    EXPECT_EQ(snapshot1.stage, SnapshotStage::AwaitingConnect);
    EXPECT_EQ(snapshot1.deeplink_request, connect.request);

    // Phantom redirects back: a fresh page, a fresh machine.
    Checkout second_page;
    second_page.send(events::Restore{
        snapshot1, PhantomRedirect{connect.request, redirect::ConnectApproved{buyer_key()}},
        phone_without_provider(), at(20), true});
    EXPECT_EQ(second_page.name(), "loading");
    second_page.send(events::PayloadReplied{second_page.expect<effects::FetchPayload>().request,
                                            sample_payload()});
    EXPECT_EQ(second_page.name(), "building_transaction");
    const auto build = second_page.expect<effects::RequestTransaction>();
    EXPECT_EQ(build.payment_id, kPaymentId);
    EXPECT_EQ(build.buyer_wallet, buyer_key());
    EXPECT_GT(build.request, connect.request) << "ids continue after the reload";

    second_page.send(events::TransactionReplied{build.request, sample_transaction()});
    EXPECT_EQ(second_page.name(), "awaiting_signature");
    ASSERT_EQ(second_page.effect_names(),
              (std::vector<std::string_view>{"persist_session", "open_sign_deeplink", "announce"}));
    const auto sign = second_page.expect<effects::OpenSignDeeplink>();
    EXPECT_EQ(sign.transaction, kUnsignedTx);
    const auto snapshot2 = stored(second_page.expect<effects::PersistSession>());
    EXPECT_EQ(snapshot2.stage, SnapshotStage::AwaitingSignature);
    EXPECT_EQ(snapshot2.buyer_wallet, buyer_key());

    Checkout third_page;
    third_page.send(events::Restore{
        snapshot2, PhantomRedirect{sign.request, redirect::SignApproved{std::string(kSignedTx)}},
        phone_without_provider(), at(45), true});
    third_page.send(events::PayloadReplied{third_page.expect<effects::FetchPayload>().request,
                                           sample_payload()});
    EXPECT_EQ(third_page.name(), "broadcasting");
    const auto broadcast = third_page.expect<effects::Broadcast>();
    EXPECT_EQ(broadcast.signed_transaction, kSignedTx);
    EXPECT_EQ(broadcast.payment_id, kPaymentId);

    third_page.send(events::BroadcastReplied{broadcast.request, sample_broadcast()});
    EXPECT_EQ(third_page.name(), "confirming");
    const auto poll = third_page.expect<effects::PollStatus>();
    third_page.send(events::StatusReplied{poll.request, payment_with(PaymentStatus::Confirmed)});
    const auto confirm = third_page.expect<effects::Confirm>();
    third_page.send(
        events::ConfirmReplied{confirm.request, confirmation_with(PaymentStatus::Confirmed)});
    EXPECT_EQ(third_page.name(), "confirmed");
}

TEST(CheckoutHappyPath, SolanaPayPathShowsTheUrlAndPollsUntilConfirmed) {
    Checkout run;
    load(run, desktop_without_wallet());
    run.send(events::ChooseRoute{CheckoutRoute::SolanaPayQr});
    const auto start = run.expect<effects::StartSession>();
    EXPECT_EQ(start.route, CheckoutRoute::SolanaPayQr);
    EXPECT_FALSE(start.buyer_wallet) << "the paying wallet is unknown until it pays";
    run.send(events::SessionReplied{start.request, sample_session(false)});

    ASSERT_EQ(run.name(), "confirming") << "no wallet step: straight to waiting";
    EXPECT_TRUE(std::get<phases::Confirming>(run.state.phase).external);
    EXPECT_EQ(run.state.ctx.session->solana_pay_url, kSolanaPayUrl);
    EXPECT_EQ(run.count<effects::ConnectExtension>() + run.count<effects::RequestTransaction>(),
              0u);
    auto poll = run.expect<effects::PollStatus>();
    EXPECT_EQ(poll.after_ms, 1000u);

    run.send(events::StatusReplied{poll.request, payment_with(PaymentStatus::PendingSignature)});
    poll = run.expect<effects::PollStatus>();
    run.send(events::StatusReplied{poll.request, payment_with(PaymentStatus::Confirmed)});
    const auto confirm = run.expect<effects::Confirm>();
    EXPECT_EQ(confirm.tx_signature, kTxSignature) << "learned from the status";
    run.send(events::ConfirmReplied{confirm.request, confirmation_with(PaymentStatus::Confirmed)});
    EXPECT_EQ(run.name(), "confirmed");
}

// ---- session start -----------------------------------------------------------------------------

TEST(CheckoutSession, NetworkErrorRetriesTheSameConnect) {
    Checkout run;
    load(run, desktop_with_extension());
    run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
    const auto first = run.expect<effects::StartSession>();
    run.send(events::SessionReplied{first.request, offline()});
    ASSERT_EQ(run.name(), "network_error");
    EXPECT_EQ(std::get<phases::NetworkError>(run.state.phase).step, RetryStep::StartSession);

    run.send(events::Retry{});
    EXPECT_EQ(run.name(), "route_chosen");
    auto second = run.expect<effects::StartSession>();
    EXPECT_GT(second.request, first.request);
    second.request = first.request;
    EXPECT_EQ(second, first) << "the same body again";
}

TEST(CheckoutSession, RefusedHandoffAtConnectReturnsToTheProductWithoutIt) {
    Checkout run;
    run.send(events::Start{std::string(kSlug), "hot_token", desktop_with_extension(), at(0), true, std::nullopt});
    const auto fetch = run.expect<effects::FetchPayload>();
    const auto resolve = run.expect<effects::ResolveHandoff>();
    run.send(events::HandoffReplied{resolve.request, sample_handoff()});
    run.send(events::PayloadReplied{fetch.request, sample_payload()});
    run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
    run.send(events::SessionReplied{run.expect<effects::StartSession>().request,
                                    api_error(409, ErrorCode::HandoffUsed)});
    EXPECT_EQ(run.name(), "product_shown");
    EXPECT_EQ(run.state.ctx.handoff_problem, ErrorCode::HandoffUsed);
    EXPECT_FALSE(run.state.ctx.handoff) << "no longer 'Paying as …'";
    run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
    EXPECT_FALSE(run.expect<effects::StartSession>().handoff_token);
}

TEST(CheckoutSession, ValidationRefusalFails) {
    Checkout run;
    load(run, desktop_with_extension());
    run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
    run.send(events::SessionReplied{run.expect<effects::StartSession>().request,
                                    api_error(410, ErrorCode::ProductArchived)});
    ASSERT_EQ(run.name(), "failed");
    EXPECT_EQ(std::get<phases::Failed>(run.state.phase).error, ErrorCode::ProductArchived);
}

TEST(CheckoutSession, MobileLaneWithoutAppSwitchReturnsToTheProduct) {
    Checkout run;
    load(run, phone_without_provider());
    run.send(events::ChooseRoute{CheckoutRoute::PhantomMobile});
    run.send(
        events::SessionReplied{run.expect<effects::StartSession>().request, sample_session(false)});
    EXPECT_EQ(run.name(), "product_shown");
    EXPECT_EQ(run.count<effects::OpenConnectDeeplink>(), 0u);
    EXPECT_TRUE(run.find<effects::Announce>());
    EXPECT_TRUE(run.state.ctx.session) << "the session stays for another lane";
}

// ---- wallet answers ----------------------------------------------------------------------------

TEST(CheckoutWallet, RejectedConnectionOffersRetryThatAsksAgain) {
    Checkout run;
    load(run, desktop_with_extension());
    start_session(run, CheckoutRoute::PhantomExtension);
    const auto first = run.expect<effects::ConnectExtension>();
    run.send(events::WalletFailed{first.request, phantom_codes::kUserRejected,
                                  "User rejected the request."});
    ASSERT_EQ(run.name(), "wallet_rejected");
    const auto& rejected = std::get<phases::WalletRejected>(run.state.phase);
    EXPECT_EQ(rejected.step, WalletStep::Connect);
    EXPECT_EQ(rejected.code, 4001);
    EXPECT_EQ(run.expect<effects::Announce>().text, wallet_error_text(4001));

    run.send(events::Retry{});
    EXPECT_EQ(run.name(), "connecting_wallet");
    EXPECT_GT(run.expect<effects::ConnectExtension>().request, first.request);
    EXPECT_EQ(run.count<effects::StartSession>(), 0u) << "the session is reused";
}

TEST(CheckoutWallet, RejectedSignatureRetryBuildsAFreshTransaction) {
    Checkout run;
    extension_until_signature(run);
    const auto sign = run.expect<effects::SignWithExtension>();
    run.send(events::WalletFailed{sign.request, phantom_codes::kUserRejected,
                                  "User rejected the request."});
    ASSERT_EQ(run.name(), "wallet_rejected");
    EXPECT_EQ(std::get<phases::WalletRejected>(run.state.phase).step, WalletStep::Sign);

    run.send(events::Retry{});
    EXPECT_EQ(run.name(), "building_transaction") << "a new blockhash, not the stale transaction";
    const auto build = run.expect<effects::RequestTransaction>();
    EXPECT_EQ(build.buyer_wallet, buyer_key());
}

TEST(CheckoutWallet, OtherPhantomErrorsAreRejectionsWithTheirOwnWords) {
    for (const int code : {phantom_codes::kUnauthorized, phantom_codes::kDisconnected,
                           phantom_codes::kResourceUnavailable, phantom_codes::kTransactionRejected,
                           phantom_codes::kInternalError, phantom_codes::kInvalidInput}) {
        Checkout run;
        extension_until_signature(run);
        run.send(
            events::WalletFailed{run.expect<effects::SignWithExtension>().request, code, "no"});
        ASSERT_EQ(run.name(), "wallet_rejected") << code;
        EXPECT_EQ(std::get<phases::WalletRejected>(run.state.phase).code, code);
        EXPECT_FALSE(wallet_error_text(code).empty());
    }
    EXPECT_NE(wallet_error_text(phantom_codes::kUserRejected),
              wallet_error_text(phantom_codes::kResourceUnavailable));
}

TEST(CheckoutWallet, BackFromARejectionShowsTheProductAndReusesTheSession) {
    Checkout run;
    load(run, desktop_with_extension());
    start_session(run, CheckoutRoute::PhantomExtension);
    run.send(events::WalletFailed{run.expect<effects::ConnectExtension>().request, 4001, "no"});
    run.send(events::Back{});
    EXPECT_EQ(run.name(), "product_shown");
    run.send(events::ChooseRoute{CheckoutRoute::SolanaPayQr});
    EXPECT_EQ(run.name(), "confirming") << "the live session already has a Solana Pay URL";
    EXPECT_EQ(run.count<effects::StartSession>(), 0u);
}

TEST(CheckoutWallet, EmptySignedTransactionIsARejectionAndNeverBroadcast) {
    Checkout run;
    extension_until_signature(run);
    run.send(events::WalletSigned{run.expect<effects::SignWithExtension>().request, ""});
    EXPECT_EQ(run.name(), "wallet_rejected");
    EXPECT_EQ(run.count<effects::Broadcast>(), 0u);
    EXPECT_FALSE(run.state.ctx.signed_transaction);
}

TEST(CheckoutWallet, ExtensionAnswersAreIgnoredOnTheDeeplinkLane) {
    Checkout run;
    load(run, phone_without_provider());
    start_session(run, CheckoutRoute::PhantomMobile);
    const auto connect = run.expect<effects::OpenConnectDeeplink>();
    const State before = run.state;
    run.send(events::WalletConnected{connect.request, buyer_key()});
    EXPECT_EQ(run.state, before) << "deeplink answers only arrive through Restore";
}

// ---- transaction and broadcast -----------------------------------------------------------------

TEST(CheckoutTransaction, NetworkErrorRetriesTheSameRequest) {
    Checkout run;
    load(run, desktop_with_extension());
    start_session(run, CheckoutRoute::PhantomExtension);
    run.send(events::WalletConnected{run.expect<effects::ConnectExtension>().request, buyer_key()});
    const auto first = run.expect<effects::RequestTransaction>();
    run.send(
        events::TransactionReplied{first.request, api_error(502, ErrorCode::ChainUnavailable)});
    ASSERT_EQ(run.name(), "network_error");
    EXPECT_EQ(std::get<phases::NetworkError>(run.state.phase).step, RetryStep::RequestTransaction);
    run.send(events::Retry{});
    auto second = run.expect<effects::RequestTransaction>();
    EXPECT_GT(second.request, first.request);
    second.request = first.request;
    EXPECT_EQ(second, first);
}

TEST(CheckoutTransaction, SessionExpired410EndsExpired) {
    Checkout run;
    load(run, desktop_with_extension());
    start_session(run, CheckoutRoute::PhantomExtension);
    run.send(events::WalletConnected{run.expect<effects::ConnectExtension>().request, buyer_key()});
    run.send(events::TransactionReplied{run.expect<effects::RequestTransaction>().request,
                                        api_error(410, ErrorCode::SessionExpired)});
    EXPECT_EQ(run.name(), "expired");
    EXPECT_TRUE(run.find<effects::ClearSession>());
}

TEST(CheckoutTransaction, ConflictFollowsThePaymentStatusInsteadOfBuildingAgain) {
    Checkout run;
    load(run, desktop_with_extension());
    start_session(run, CheckoutRoute::PhantomExtension);
    run.send(events::WalletConnected{run.expect<effects::ConnectExtension>().request, buyer_key()});
    run.send(events::TransactionReplied{run.expect<effects::RequestTransaction>().request,
                                        api_error(409, ErrorCode::Conflict)});
    EXPECT_EQ(run.name(), "confirming");
    EXPECT_EQ(run.expect<effects::PollStatus>().after_ms, 0u);
}

TEST(CheckoutBroadcast, NetworkErrorRetriesWithTheSameSignedBytes) {
    Checkout run;
    extension_until_signature(run);
    run.send(events::WalletSigned{run.expect<effects::SignWithExtension>().request,
                                  std::string(kSignedTx)});
    const auto first = run.expect<effects::Broadcast>();
    run.send(events::BroadcastReplied{first.request, offline()});
    ASSERT_EQ(run.name(), "network_error");
    EXPECT_EQ(std::get<phases::NetworkError>(run.state.phase).step, RetryStep::Broadcast);

    run.send(events::Tick{at(kSessionSeconds + 5)});
    EXPECT_EQ(run.name(), "network_error") << "signed money is never expired by the client";
    run.send(events::Back{});
    EXPECT_EQ(run.name(), "network_error") << "no way back once signed";

    run.send(events::Retry{});
    EXPECT_EQ(run.name(), "broadcasting");
    const auto second = run.expect<effects::Broadcast>();
    EXPECT_EQ(second.signed_transaction, kSignedTx);
    EXPECT_EQ(second.payment_id, kPaymentId);
    EXPECT_GT(second.request, first.request);
}

TEST(CheckoutBroadcast, SessionExpired410EndsExpired) {
    Checkout run;
    extension_until_signature(run);
    run.send(events::WalletSigned{run.expect<effects::SignWithExtension>().request,
                                  std::string(kSignedTx)});
    run.send(events::BroadcastReplied{run.expect<effects::Broadcast>().request,
                                      api_error(410, ErrorCode::SessionExpired)});
    EXPECT_EQ(run.name(), "expired");
}

TEST(CheckoutBroadcast, VerificationRefusalFailsWithTheServersCode) {
    Checkout run;
    extension_until_signature(run);
    run.send(events::WalletSigned{run.expect<effects::SignWithExtension>().request,
                                  std::string(kSignedTx)});
    run.send(
        events::BroadcastReplied{run.expect<effects::Broadcast>().request,
                                 api_error(422, ErrorCode::MalformedTransaction, "bad transfer")});
    ASSERT_EQ(run.name(), "failed");
    const auto& failed = std::get<phases::Failed>(run.state.phase);
    EXPECT_EQ(failed.reason, FailureReason::VerificationFailed);
    EXPECT_EQ(failed.error, ErrorCode::MalformedTransaction);
    EXPECT_EQ(failed.message, "bad transfer");
}

TEST(CheckoutBroadcast, BackIsIgnoredWhileBroadcastingAndConfirming) {
    Checkout run;
    extension_until_signature(run);
    run.send(events::WalletSigned{run.expect<effects::SignWithExtension>().request,
                                  std::string(kSignedTx)});
    const auto broadcast = run.expect<effects::Broadcast>();
    State before = run.state;
    run.send(events::Back{});
    EXPECT_EQ(run.state, before);
    run.send(events::BroadcastReplied{broadcast.request, sample_broadcast()});
    before = run.state;
    run.send(events::Back{});
    EXPECT_EQ(run.state, before);
}

// ---- confirming --------------------------------------------------------------------------------

TEST(CheckoutConfirming, ConfirmingBacksOffAndPausesWhileHidden) {
    Checkout run;
    extension_until_confirming(run);
    std::vector<std::uint32_t> delays;
    auto poll = run.expect<effects::PollStatus>();
    delays.push_back(poll.after_ms);
    for (int i = 0; i < 5; ++i) {
        run.send(
            events::StatusReplied{poll.request, payment_with(PaymentStatus::PendingConfirmation)});
        poll = run.expect<effects::PollStatus>();
        delays.push_back(poll.after_ms);
    }
    EXPECT_EQ(delays, (std::vector<std::uint32_t>{1000, 2000, 4000, 8000, 8000, 8000}));

    run.send(events::PageVisibilityChanged{false});
    EXPECT_TRUE(run.effects.empty());
    EXPECT_TRUE(pending_requests(run.state).empty()) << "paused";
    const State hidden = run.state;
    run.send(events::StatusReplied{poll.request, payment_with(PaymentStatus::Confirmed)});
    EXPECT_EQ(run.state, hidden) << "the poll that was out when the page hid is dropped";
    EXPECT_TRUE(run.effects.empty());

    run.send(events::PageVisibilityChanged{true});
    const auto resumed = run.expect<effects::PollStatus>();
    EXPECT_EQ(resumed.after_ms, 0u) << "the buyer is back: look now";
    run.send(
        events::StatusReplied{resumed.request, payment_with(PaymentStatus::PendingConfirmation)});
    EXPECT_EQ(run.expect<effects::PollStatus>().after_ms, 1000u) << "and the schedule starts over";
}

TEST(CheckoutConfirming, EnteringConfirmingWhileHiddenStartsPaused) {
    Checkout run;
    extension_until_signature(run);
    run.send(events::WalletSigned{run.expect<effects::SignWithExtension>().request,
                                  std::string(kSignedTx)});
    const auto broadcast = run.expect<effects::Broadcast>();
    run.send(events::PageVisibilityChanged{false});
    run.send(events::BroadcastReplied{broadcast.request, sample_broadcast()});
    EXPECT_EQ(run.name(), "confirming");
    EXPECT_EQ(run.count<effects::PollStatus>(), 0u);
    run.send(events::PageVisibilityChanged{true});
    EXPECT_EQ(run.expect<effects::PollStatus>().after_ms, 0u);
}

TEST(CheckoutConfirming, NetworkErrorsWhilePollingKeepPollingOnTheSchedule) {
    Checkout run;
    extension_until_confirming(run);
    auto poll = run.expect<effects::PollStatus>();
    run.send(events::StatusReplied{poll.request, offline()});
    EXPECT_EQ(run.name(), "confirming");
    poll = run.expect<effects::PollStatus>();
    EXPECT_EQ(poll.after_ms, 2000u);
    run.send(events::StatusReplied{poll.request, api_error(503, ErrorCode::ChainUnavailable)});
    EXPECT_EQ(std::get<phases::Confirming>(run.state.phase).failed_polls, 2u);
    poll = run.expect<effects::PollStatus>();
    run.send(events::StatusReplied{poll.request, payment_with(PaymentStatus::PendingConfirmation)});
    EXPECT_EQ(std::get<phases::Confirming>(run.state.phase).failed_polls, 0u);
}

TEST(CheckoutConfirming, FailedStatusEndsFailedWithItsReason) {
    Checkout run;
    extension_until_confirming(run);
    run.send(events::StatusReplied{
        run.expect<effects::PollStatus>().request,
        payment_with(PaymentStatus::Failed, FailureReason::TransactionFailed)});
    ASSERT_EQ(run.name(), "failed");
    EXPECT_EQ(std::get<phases::Failed>(run.state.phase).reason, FailureReason::TransactionFailed);
    EXPECT_TRUE(run.find<effects::ClearSession>());
}

TEST(CheckoutConfirming, ExpiredStatusEndsExpired) {
    Checkout run;
    extension_until_confirming(run);
    run.send(events::StatusReplied{run.expect<effects::PollStatus>().request,
                                   payment_with(PaymentStatus::Failed, FailureReason::Expired)});
    EXPECT_EQ(run.name(), "expired");
}

TEST(CheckoutConfirming, ConfirmNetworkErrorRetriesTheConfirm) {
    Checkout run;
    extension_until_confirming(run);
    run.send(events::StatusReplied{run.expect<effects::PollStatus>().request,
                                   payment_with(PaymentStatus::Confirmed)});
    const auto first = run.expect<effects::Confirm>();
    run.send(events::ConfirmReplied{first.request, offline()});
    ASSERT_EQ(run.name(), "network_error");
    EXPECT_EQ(std::get<phases::NetworkError>(run.state.phase).step, RetryStep::Confirm);
    run.send(events::Retry{});
    EXPECT_EQ(run.name(), "confirming");
    auto second = run.expect<effects::Confirm>();
    EXPECT_GT(second.request, first.request);
    second.request = first.request;
    EXPECT_EQ(second, first);
    run.send(events::ConfirmReplied{run.expect<effects::Confirm>().request,
                                    confirmation_with(PaymentStatus::Confirmed)});
    EXPECT_EQ(run.name(), "confirmed");
}

TEST(CheckoutConfirming, TransitionalConfirmAnswerResumesPolling) {
    Checkout run;
    extension_until_confirming(run);
    run.send(events::StatusReplied{run.expect<effects::PollStatus>().request,
                                   payment_with(PaymentStatus::Confirmed)});
    run.send(events::ConfirmReplied{run.expect<effects::Confirm>().request,
                                    confirmation_with(PaymentStatus::PendingConfirmation)});
    EXPECT_EQ(run.name(), "confirming");
    EXPECT_TRUE(run.find<effects::PollStatus>());
}

TEST(CheckoutConfirming, ConfirmedOnlyAfterAConfirmedStatus) {
    Checkout run;
    extension_until_confirming(run);
    auto poll = run.expect<effects::PollStatus>();
    for (const auto status :
         {PaymentStatus::PendingSignature, PaymentStatus::PendingConfirmation}) {
        run.send(events::StatusReplied{poll.request, payment_with(status)});
        EXPECT_EQ(run.name(), "confirming");
        EXPECT_EQ(run.count<effects::Confirm>(), 0u);
        poll = run.expect<effects::PollStatus>();
    }
    auto wrong = payment_with(PaymentStatus::Confirmed);
    wrong.payment_id = "pay_other";
    run.send(events::StatusReplied{poll.request, wrong});
    EXPECT_EQ(run.count<effects::Confirm>(), 0u) << "another payment's status proves nothing";
    EXPECT_EQ(run.name(), "confirming");
}

// ---- countdown and expiry ----------------------------------------------------------------------

TEST(CheckoutCountdown, SecondsRemainingComeFromExpiresAtAndTheLastTick) {
    Checkout run;
    load(run, desktop_with_extension());
    start_session(run, CheckoutRoute::PhantomExtension);
    EXPECT_EQ(seconds_remaining(run.state), 900);
    run.send(events::Tick{at(61)});
    EXPECT_EQ(seconds_remaining(run.state), 839);
    run.send(events::Tick{at(899)});
    EXPECT_EQ(seconds_remaining(run.state), 1);
}

TEST(CheckoutCountdown, ReachingZeroExpiresAnUnsignedSession) {
    Checkout run;
    extension_until_signature(run);
    const auto sign = run.expect<effects::SignWithExtension>();
    run.send(events::Tick{at(kSessionSeconds - 1)});
    EXPECT_EQ(run.name(), "awaiting_signature");
    run.send(events::Tick{at(kSessionSeconds)});
    ASSERT_EQ(run.name(), "expired");
    EXPECT_EQ(seconds_remaining(run.state), 0);
    EXPECT_EQ(run.expect<effects::Announce>().text, "This checkout session has expired.");
    run.send(events::WalletSigned{sign.request, std::string(kSignedTx)});
    EXPECT_EQ(run.name(), "expired");
    EXPECT_EQ(run.count<effects::Broadcast>(), 0u);
}

TEST(CheckoutCountdown, ReachingZeroExpiresEveryUnsignedWaitingScreen) {
    const auto expire_from = [](Checkout& run) {
        run.send(events::Tick{at(kSessionSeconds + 1)});
        EXPECT_EQ(run.name(), "expired");
    };
    Checkout connecting;  // connecting_wallet
    load(connecting, desktop_with_extension());
    start_session(connecting, CheckoutRoute::PhantomExtension);
    expire_from(connecting);

    Checkout building;
    load(building, desktop_with_extension());
    start_session(building, CheckoutRoute::PhantomExtension);
    building.send(
        events::WalletConnected{building.expect<effects::ConnectExtension>().request, buyer_key()});
    expire_from(building);

    Checkout rejected;
    load(rejected, desktop_with_extension());
    start_session(rejected, CheckoutRoute::PhantomExtension);
    rejected.send(
        events::WalletFailed{rejected.expect<effects::ConnectExtension>().request, 4001, "no"});
    expire_from(rejected);
}

TEST(CheckoutCountdown, FinalMinuteIsAnnouncedOnce) {
    Checkout run;
    extension_until_signature(run);
    run.send(events::Tick{at(kSessionSeconds - 61)});
    EXPECT_EQ(run.count<effects::Announce>(), 0u);
    run.send(events::Tick{at(kSessionSeconds - 60)});
    EXPECT_EQ(run.expect<effects::Announce>().text, "One minute left to pay.");
    run.send(events::Tick{at(kSessionSeconds - 59)});
    EXPECT_EQ(run.count<effects::Announce>(), 0u);
}

TEST(CheckoutCountdown, DoesNotExpireAfterBroadcast) {
    Checkout run;
    extension_until_confirming(run);
    run.send(events::Tick{at(kSessionSeconds + 120)});
    EXPECT_EQ(run.name(), "confirming") << "a late transaction is still recorded (api.md)";
}

TEST(CheckoutCountdown, SolanaPayWaitOutlivesTheCountdownUntilTheStatusSaysExpired) {
    Checkout run;
    load(run, desktop_without_wallet());
    start_session(run, CheckoutRoute::SolanaPayQr);
    const auto poll = run.expect<effects::PollStatus>();
    run.send(events::Tick{at(kSessionSeconds + 3)});
    EXPECT_EQ(run.name(), "confirming") << "the buyer may have paid in the last second";
    run.send(events::StatusReplied{poll.request,
                                   payment_with(PaymentStatus::Failed, FailureReason::Expired)});
    EXPECT_EQ(run.name(), "expired");
}

TEST(CheckoutCountdown, ExpiredSessionOnTheProductScreenIsDroppedAndANewOneStarts) {
    Checkout run;
    load(run, desktop_with_extension());
    start_session(run, CheckoutRoute::PhantomExtension);
    run.send(events::Back{});
    ASSERT_EQ(run.name(), "product_shown");
    run.send(events::Tick{at(kSessionSeconds + 1)});
    EXPECT_EQ(run.name(), "product_shown");
    EXPECT_FALSE(run.state.ctx.session);
    EXPECT_TRUE(run.find<effects::ClearSession>());
    run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
    EXPECT_EQ(run.name(), "route_chosen");
    EXPECT_TRUE(run.find<effects::StartSession>());
}

// ---- stale replies -----------------------------------------------------------------------------

TEST(CheckoutStaleReplies, RepliesWithAnOldRequestIdAreDropped) {
    Checkout run;
    load(run, desktop_with_extension());
    start_session(run, CheckoutRoute::PhantomExtension);
    const auto connect = run.expect<effects::ConnectExtension>();
    run.send(events::Back{});
    run.send(events::ChooseRoute{CheckoutRoute::PhantomExtension});
    const auto reconnect = run.expect<effects::ConnectExtension>();
    ASSERT_NE(connect.request, reconnect.request);

    const State waiting = run.state;
    run.send(events::WalletConnected{connect.request, buyer_key()});
    EXPECT_EQ(run.state, waiting) << "the abandoned popup's answer";
    EXPECT_TRUE(run.effects.empty());
    run.send(events::WalletConnected{reconnect.request, buyer_key()});
    EXPECT_EQ(run.name(), "building_transaction");
    const auto build = run.expect<effects::RequestTransaction>();

    const State building = run.state;
    for (const Event& stale : std::vector<Event>{
             events::TransactionReplied{build.request - 1, sample_transaction()},
             events::TransactionReplied{0, sample_transaction()},
             events::PayloadReplied{1, sample_payload()},
             events::SessionReplied{2, sample_session()},
             events::StatusReplied{build.request, payment_with(PaymentStatus::Confirmed)},
             events::ConfirmReplied{build.request, confirmation_with(PaymentStatus::Confirmed)}}) {
        run.send(stale);
        EXPECT_EQ(run.state, building) << event_name(stale);
        EXPECT_TRUE(run.effects.empty()) << event_name(stale);
    }
}

TEST(CheckoutStaleReplies, ARedirectForAnOlderDeeplinkIsIgnoredAfterReload) {
    Checkout first_page;
    load(first_page, phone_without_provider());
    start_session(first_page, CheckoutRoute::PhantomMobile);
    const auto snapshot = first_page.expect<effects::PersistSession>().snapshot;
    const RequestId current = first_page.expect<effects::OpenConnectDeeplink>().request;

    Checkout reloaded;
    reloaded.send(events::Restore{
        snapshot, PhantomRedirect{current - 1, redirect::ConnectApproved{buyer_key()}},
        phone_without_provider(), at(30), true});
    reloaded.send(
        events::PayloadReplied{reloaded.expect<effects::FetchPayload>().request, sample_payload()});
    EXPECT_EQ(reloaded.name(), "product_shown");
    EXPECT_FALSE(reloaded.state.ctx.wallet);
    EXPECT_TRUE(reloaded.state.ctx.session) << "the session survives for another try";
}

// ---- restore -----------------------------------------------------------------------------------

TEST(CheckoutRestore, DeeplinkRejectionAfterReloadOffersRetry) {
    Checkout first_page;
    load(first_page, phone_without_provider());
    start_session(first_page, CheckoutRoute::PhantomMobile);
    const auto snapshot = first_page.expect<effects::PersistSession>().snapshot;
    const RequestId id = first_page.expect<effects::OpenConnectDeeplink>().request;

    Checkout reloaded;
    reloaded.send(events::Restore{snapshot,
                                  PhantomRedirect{id, redirect::Rejected{4001, "User rejected"}},
                                  phone_without_provider(), at(30), true});
    reloaded.send(
        events::PayloadReplied{reloaded.expect<effects::FetchPayload>().request, sample_payload()});
    ASSERT_EQ(reloaded.name(), "wallet_rejected");
    reloaded.send(events::Retry{});
    EXPECT_EQ(reloaded.name(), "connecting_wallet");
    EXPECT_EQ(
        reloaded.effect_names(),
        (std::vector<std::string_view>{"persist_session", "open_connect_deeplink", "announce"}));
}

TEST(CheckoutRestore, UnreadableRedirectIsAWalletFailure) {
    Checkout first_page;
    load(first_page, phone_without_provider());
    start_session(first_page, CheckoutRoute::PhantomMobile);
    const auto snapshot = first_page.expect<effects::PersistSession>().snapshot;
    const RequestId id = first_page.expect<effects::OpenConnectDeeplink>().request;
    Checkout reloaded;
    reloaded.send(events::Restore{snapshot,
                                  PhantomRedirect{id, redirect::Unreadable{"decrypt_failed"}},
                                  phone_without_provider(), at(30), true});
    reloaded.send(
        events::PayloadReplied{reloaded.expect<effects::FetchPayload>().request, sample_payload()});
    ASSERT_EQ(reloaded.name(), "wallet_rejected");
    EXPECT_EQ(std::get<phases::WalletRejected>(reloaded.state.phase).code,
              phantom_codes::kInternalError);
}

TEST(CheckoutRestore, ConnectApprovedAfterTheSessionExpiredEndsExpired) {
    Checkout first_page;
    load(first_page, phone_without_provider());
    start_session(first_page, CheckoutRoute::PhantomMobile);
    const auto snapshot = first_page.expect<effects::PersistSession>().snapshot;
    const RequestId id = first_page.expect<effects::OpenConnectDeeplink>().request;
    Checkout reloaded;
    reloaded.send(events::Restore{snapshot,
                                  PhantomRedirect{id, redirect::ConnectApproved{buyer_key()}},
                                  phone_without_provider(), at(kSessionSeconds + 10), true});
    reloaded.send(
        events::PayloadReplied{reloaded.expect<effects::FetchPayload>().request, sample_payload()});
    EXPECT_EQ(reloaded.name(), "expired");
    EXPECT_EQ(reloaded.count<effects::RequestTransaction>(), 0u);
}

TEST(CheckoutRestore, AReloadWhileConfirmingPollsAtOnce) {
    Checkout run;
    extension_until_confirming(run);
    const auto snapshot = run.expect<effects::PersistSession>().snapshot;
    Checkout reloaded;
    reloaded.send(events::Restore{snapshot, std::nullopt, desktop_with_extension(), at(40), true});
    EXPECT_EQ(reloaded.count<effects::ResolveHandoff>(), 0u);
    reloaded.send(
        events::PayloadReplied{reloaded.expect<effects::FetchPayload>().request, sample_payload()});
    EXPECT_EQ(reloaded.name(), "confirming");
    EXPECT_FALSE(std::get<phases::Confirming>(reloaded.state.phase).external);
    EXPECT_EQ(reloaded.expect<effects::PollStatus>().after_ms, 0u);
    EXPECT_EQ(reloaded.state.ctx.tx_signature, kTxSignature);
}

TEST(CheckoutRestore, ASnapshotOfAnotherVersionIsDiscardedAndTheCheckoutStartsOver) {
    Checkout first_page;
    load(first_page, phone_without_provider());
    start_session(first_page, CheckoutRoute::PhantomMobile);
    auto snapshot = first_page.expect<effects::PersistSession>().snapshot;
    snapshot.version = kSnapshotVersion + 1;
    Checkout reloaded;
    reloaded.send(events::Restore{snapshot, std::nullopt, phone_without_provider(), at(30), true});
    EXPECT_TRUE(reloaded.find<effects::ClearSession>());
    reloaded.send(
        events::PayloadReplied{reloaded.expect<effects::FetchPayload>().request, sample_payload()});
    EXPECT_EQ(reloaded.name(), "product_shown");
    EXPECT_FALSE(reloaded.state.ctx.session);
}

// ---- terminal states ---------------------------------------------------------------------------

std::vector<Event> one_of_every_event(RequestId id) {
    return {
        events::Start{std::string(kSlug), std::nullopt, desktop_with_extension(), at(0), true, std::nullopt},
        events::Restore{},
        events::Tick{at(kSessionSeconds * 2)},
        events::ChooseRoute{CheckoutRoute::SolanaPayQr},
        events::Retry{},
        events::Back{},
        events::CopyLink{},
        events::OpenInPhantom{},
        events::ContinueInPhantom{},
        events::PageVisibilityChanged{false},
        events::PayloadReplied{id, sample_payload()},
        events::HandoffReplied{id, sample_handoff()},
        events::SessionReplied{id, sample_session()},
        events::TransactionReplied{id, sample_transaction()},
        events::BroadcastReplied{id, sample_broadcast()},
        events::StatusReplied{id, payment_with(PaymentStatus::Failed, FailureReason::Cancelled)},
        events::ConfirmReplied{id, confirmation_with(PaymentStatus::Failed)},
        events::WalletConnected{id, buyer_key()},
        events::WalletSigned{id, std::string(kSignedTx)},
        events::WalletFailed{id, 4001, "no"}};
}

TEST(CheckoutTerminal, ConfirmedFailedAndExpiredIgnoreEveryEvent) {
    std::vector<Checkout> ends(3);
    extension_until_confirming(ends[0]);
    ends[0].send(events::StatusReplied{ends[0].expect<effects::PollStatus>().request,
                                       payment_with(PaymentStatus::Confirmed)});
    ends[0].send(events::ConfirmReplied{ends[0].expect<effects::Confirm>().request,
                                        confirmation_with(PaymentStatus::Confirmed)});
    extension_until_confirming(ends[1]);
    ends[1].send(events::StatusReplied{
        ends[1].expect<effects::PollStatus>().request,
        payment_with(PaymentStatus::Failed, FailureReason::TransactionFailed)});
    extension_until_signature(ends[2]);
    ends[2].send(events::Tick{at(kSessionSeconds)});
    ASSERT_EQ(ends[0].name(), "confirmed");
    ASSERT_EQ(ends[1].name(), "failed");
    ASSERT_EQ(ends[2].name(), "expired");

    for (auto& run : ends) {
        const State end = run.state;
        for (RequestId id = 1; id <= run.state.ctx.last_request + 1; ++id) {
            for (const auto& event : one_of_every_event(id)) {
                run.send(event);
                EXPECT_EQ(run.state, end) << run.name() << " after " << event_name(event);
                const bool copy_in_confirmed =
                    std::holds_alternative<events::CopyLink>(event) && run.name() == "confirmed";
                if (!copy_in_confirmed) {
                    EXPECT_TRUE(run.effects.empty()) << event_name(event);
                }
            }
        }
    }
}

TEST(CheckoutTerminal, CopyLinkInConfirmedCopiesTheInviteLink) {
    Checkout run;
    extension_until_confirming(run);
    run.send(events::StatusReplied{run.expect<effects::PollStatus>().request,
                                   payment_with(PaymentStatus::Confirmed)});
    run.send(events::ConfirmReplied{run.expect<effects::Confirm>().request,
                                    confirmation_with(PaymentStatus::Confirmed)});
    run.send(events::CopyLink{});
    EXPECT_EQ(run.expect<effects::CopyToClipboard>().text, kInviteLink);
    EXPECT_EQ(run.expect<effects::Announce>().text, "Link copied.");
}

// ---- other intents -----------------------------------------------------------------------------

TEST(CheckoutIntents, CopyLinkCopiesTheSolanaPayUrl) {
    Checkout run;
    load(run, desktop_without_wallet());
    start_session(run, CheckoutRoute::SolanaPayQr);
    const State before = run.state;
    run.send(events::CopyLink{});
    EXPECT_EQ(run.state, before);
    EXPECT_EQ(run.expect<effects::CopyToClipboard>().text, kSolanaPayUrl);
    EXPECT_EQ(run.expect<effects::Announce>().text, "Payment link copied.");
}

TEST(CheckoutIntents, BackFromTheSolanaPayWaitStopsPolling) {
    Checkout run;
    load(run, desktop_without_wallet());
    start_session(run, CheckoutRoute::SolanaPayQr);
    const auto poll = run.expect<effects::PollStatus>();
    run.send(events::Back{});
    EXPECT_EQ(run.name(), "product_shown");
    const State shown = run.state;
    run.send(events::StatusReplied{poll.request, payment_with(PaymentStatus::Confirmed)});
    EXPECT_EQ(run.state, shown);
}

TEST(CheckoutIntents, OpenInPhantomOpensTheBrowseDeeplinkWithTheEncodedPageUrl) {
    Checkout run;
    load(run, phone_without_provider());
    run.send(events::OpenInPhantom{});
    // solana-phantom.md §1.4: https://phantom.app/ul/browse/<url>?ref=<ref>, both URL-encoded
    // (encodeURIComponent("https://hilt.example/p/pro-pass-x7k2"), ref = the origin).
    EXPECT_EQ(run.expect<effects::OpenDeeplink>().url,
              "https://phantom.app/ul/browse/https%3A%2F%2Fhilt.example%2Fp%2Fpro-pass-x7k2"
              "?ref=https%3A%2F%2Fhilt.example");
    EXPECT_EQ(run.name(), "product_shown");

    Checkout desktop;
    load(desktop, desktop_with_extension());
    desktop.send(events::OpenInPhantom{});
    EXPECT_TRUE(desktop.effects.empty()) << "only a phone browser without the provider needs it";
}

// ---- schedule, names, describe -----------------------------------------------------------------

TEST(CheckoutSchedule, PollDelayDoublesFromOneSecondAndCapsAtEight) {
    EXPECT_EQ(poll_delay_ms(0), 1000u);
    EXPECT_EQ(poll_delay_ms(1), 2000u);
    EXPECT_EQ(poll_delay_ms(2), 4000u);
    EXPECT_EQ(poll_delay_ms(3), 8000u);
    EXPECT_EQ(poll_delay_ms(4), 8000u);
    EXPECT_EQ(poll_delay_ms(4'000'000'000u), 8000u);
}

TEST(CheckoutDescribe, DescribeIsJsonNamingTheStateForTheJsBridge) {
    Checkout run;
    extension_until_confirming(run);
    run.send(events::Tick{at(100)});
    const auto json = nlohmann::json::parse(describe(run.state), nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << describe(run.state);
    EXPECT_EQ(json["state"], "confirming");
    EXPECT_EQ(json["route"], "PHANTOM_EXTENSION");
    EXPECT_EQ(json["payment_id"], kPaymentId);
    EXPECT_EQ(json["seconds_remaining"], kSessionSeconds - 100);
    EXPECT_EQ(json["tx_signature"], kTxSignature);
    EXPECT_EQ(json["paused"], false);

    const auto booting = nlohmann::json::parse(describe(initial_state()), nullptr, false);
    EXPECT_EQ(booting["state"], "booting");
    EXPECT_TRUE(booting["seconds_remaining"].is_null());
}

TEST(CheckoutDescribe, EveryStateEventAndEffectHasASnakeCaseName) {
    const auto is_snake = [](std::string_view name) {
        return !name.empty() &&
               name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos;
    };
    for (std::size_t i = 0; i < std::variant_size_v<Phase>; ++i) {
        State state;
        switch (i) {  // one of each alternative, in declaration order
            case 0:
                state.phase = phases::Booting{};
                break;
            case 1:
                state.phase = phases::Loading{};
                break;
            case 2:
                state.phase = phases::ProductShown{};
                break;
            case 3:
                state.phase = phases::RouteChosen{};
                break;
            case 4:
                state.phase = phases::ConnectingWallet{};
                break;
            case 5:
                state.phase = phases::BuildingTransaction{};
                break;
            case 6:
                state.phase = phases::AwaitingSignature{};
                break;
            case 7:
                state.phase = phases::Broadcasting{};
                break;
            case 8:
                state.phase = phases::Confirming{};
                break;
            case 9:
                state.phase = phases::Confirmed{};
                break;
            case 10:
                state.phase = phases::Failed{};
                break;
            case 11:
                state.phase = phases::Expired{};
                break;
            case 12:
                state.phase = phases::WalletRejected{};
                break;
            default:
                state.phase = phases::NetworkError{};
                break;
        }
        EXPECT_TRUE(is_snake(state_name(state))) << i;
    }
    for (const auto& event : one_of_every_event(1)) EXPECT_TRUE(is_snake(event_name(event)));
    EXPECT_EQ(state_name(State{{}, phases::NetworkError{}}), "network_error");
    EXPECT_EQ(event_name(events::PageVisibilityChanged{}), "page_visibility_changed");
    EXPECT_EQ(effect_name(effects::CopyToClipboard{}), "copy_to_clipboard");
    EXPECT_EQ(effect_name(effects::OpenConnectDeeplink{}), "open_connect_deeplink");
}

}  // namespace
}  // namespace hilt::flow
