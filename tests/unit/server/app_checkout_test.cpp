// The payment lifecycle of a real hiltd over HTTP, with a real SQLite file and the sandbox chain: a buyer
// connects, signs the transaction the server built, broadcasts it and confirms, and the server settles it.
#include <map>
#include <set>
#include <thread>

#include "models/receipt.h"
#include "money/money.h"
#include "solana/inspector.h"
#include "solana/instructions.h"
#include "solana/pda.h"
#include "solana/transaction.h"
#include "solanapay/transfer_request.h"
#include "unit/server/checkout_harness.h"

namespace hilt::server {
namespace {

class CheckoutTest : public test::CheckoutHarness {};

TEST_F(CheckoutTest, ConnectQuotesTheFeeSplitReferenceExpiryAndSolanaPayLink) {
    const auto product = create_product();
    const auto session = connect(product["slug"]);
    EXPECT_EQ(session["status"], "PENDING_SIGNATURE");
    EXPECT_EQ(session["product_id"], product["product_id"]);
    EXPECT_EQ(session["slug"], product["slug"]);
    EXPECT_EQ(session["amount_minor_units"], kPrice);
    // 1 % (the default 100 bps) of 12.50 USDC, computed here independently: 125000 minor units.
    EXPECT_EQ(session["fee_minor_units"], kPrice / 100);
    EXPECT_EQ(session["merchant_amount_minor_units"], kPrice - kPrice / 100);
    EXPECT_EQ(session["asset_symbol"], "USDC");
    EXPECT_EQ(session["decimals"], 6);
    EXPECT_EQ(session["token_mint"], SandboxChain::usdc_mint().to_base58());
    EXPECT_EQ(session["expires_at"], models::format_timestamp(models::Timestamp{clock_.now_seconds() + 900}));
    EXPECT_TRUE(solana::PublicKey::parse(session["reference"].get<std::string>()));
    // Plain http: wallets fetch only https transaction requests, so the QR's URL is the transfer request.
    EXPECT_EQ(session["solana_pay_url"], session["solana_pay_transfer_url"]);
    EXPECT_EQ(session["solana_pay_url"].get<std::string>().rfind("solana:" + merchant_wallet_.to_base58() + "?", 0),
              0u);
    EXPECT_FALSE(session.contains("phantom_mobile")) << "app-switch needs an https origin";
    EXPECT_FALSE(session.contains("delivery_value"));

    const auto status = status_of(session["payment_id"]);
    EXPECT_EQ(status["status"], "PENDING_SIGNATURE");
    EXPECT_FALSE(status.contains("delivery_value"));
    EXPECT_FALSE(status.contains("delivery_type"));
}

TEST_F(CheckoutTest, TheBuiltTransactionPaysNetAndFeeWithReferenceMemoAndComputeBudget) {
    const auto product = create_product();
    const auto session = connect(product["slug"]);
    const auto buyer = new_buyer(kPrice);
    const auto tx = build(session["payment_id"], buyer);
    const auto report = solana::inspect_transaction(tx);
    EXPECT_EQ(report.fee_payer, wallet_of(buyer));
    ASSERT_EQ(report.token_transfers.size(), 2u);
    const auto net_ata = solana::associated_token_address(merchant_wallet_, SandboxChain::usdc_mint());
    const auto fee_ata = solana::associated_token_address(app_->fee_wallet(), SandboxChain::usdc_mint());
    EXPECT_EQ(report.token_transfers[0].destination, net_ata->address);
    EXPECT_EQ(report.token_transfers[0].amount, static_cast<std::uint64_t>(kPrice - kPrice / 100));
    EXPECT_EQ(report.token_transfers[0].decimals, 6);
    EXPECT_EQ(report.token_transfers[1].destination, fee_ata->address);
    EXPECT_EQ(report.token_transfers[1].amount, static_cast<std::uint64_t>(kPrice / 100));
    ASSERT_EQ(report.references.size(), 1u);
    EXPECT_EQ(report.references[0].to_base58(), session["reference"]);
    ASSERT_EQ(report.memos.size(), 1u);
    EXPECT_EQ(report.memos[0].text, session["payment_id"]);
    EXPECT_TRUE(report.compute_budget.unit_limit.has_value());
    EXPECT_TRUE(report.compute_budget.unit_price_micro_lamports.has_value());
    // Neither token account exists yet, so the buyer's transaction creates both (idempotently).
    std::size_t creates = 0;
    for (const auto& ix : report.instructions) {
        creates += ix.kind == solana::InstructionKind::CreateAssociatedTokenAccountIdempotent ? 1 : 0;
    }
    EXPECT_EQ(creates, 2u);
    for (const auto& signer : report.signers) EXPECT_EQ(signer.signature, solana::SignatureState::Missing);
}

TEST_F(CheckoutTest, FullJourneyConfirmsOnceAndWritesReceiptMembershipDeliveryAndEvents) {
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);

    auto pending = status_of(payment_id);
    EXPECT_EQ(pending["status"], "PENDING_CONFIRMATION");
    EXPECT_FALSE(pending.contains("delivery_value")) << "never before confirmation";
    EXPECT_FALSE(confirm(payment_id).contains("delivery_value"));

    app_->sandbox()->advance_slots(1);  // confirmed commitment is one slot behind
    const auto confirmed = confirm(payment_id);
    ASSERT_EQ(confirmed["status"], "CONFIRMED") << confirmed.dump();
    EXPECT_EQ(confirmed["delivery_type"], "MESSAGE");
    EXPECT_EQ(confirmed["delivery_value"], "Welcome in! Your code is OWL-2026.");
    EXPECT_EQ(confirmed["delivery_status"], "DELIVERED");
    EXPECT_EQ(confirmed["membership_status"], "ACTIVE");
    EXPECT_EQ(confirmed["membership_period_end_at"],
              models::format_timestamp(models::Timestamp{clock_.now_seconds() + 30 * 86400}));
    const auto membership_id = confirmed["membership_id"].get<std::string>();

    // The money moved on chain exactly as quoted.
    EXPECT_EQ(token_balance(merchant_wallet_), static_cast<std::uint64_t>(kPrice - kPrice / 100));
    EXPECT_EQ(token_balance(app_->fee_wallet()), static_cast<std::uint64_t>(kPrice / 100));
    EXPECT_EQ(token_balance(wallet_of(buyer)), 0u);

    const auto status = status_of(payment_id);
    EXPECT_EQ(status["status"], "CONFIRMED");
    EXPECT_EQ(status["late"], false);
    EXPECT_EQ(status["buyer_wallet"], wallet_of(buyer).to_base58());
    EXPECT_EQ(status["delivery_value"], confirmed["delivery_value"]);

    auto receipt_res = client_->Get("/v1/payments/" + payment_id + "/receipt", merchant());
    ASSERT_TRUE(receipt_res);
    ASSERT_EQ(receipt_res->status, 200) << receipt_res->body;
    auto receipt = models::parse<models::Receipt>(receipt_res->body);
    ASSERT_TRUE(receipt) << describe(receipt.error());
    EXPECT_TRUE(models::verify_receipt(*receipt));
    EXPECT_EQ(receipt->signer_public_key, solana::PublicKey::from_bytes(app_->receipt_public_key()));
    EXPECT_EQ(receipt->tx_signature, status["tx_signature"]);
    EXPECT_EQ(receipt->merchant_amount_minor_units + receipt->fee_minor_units, kPrice);
    auto forged = *receipt;
    forged.amount_minor_units += 1;
    EXPECT_FALSE(models::verify_receipt(forged));

    auto membership = client_->Get("/v1/memberships/" + membership_id, merchant());
    ASSERT_TRUE(membership);
    ASSERT_EQ(membership->status, 200) << membership->body;
    EXPECT_EQ(json_of(membership)["identity"]["type"], "WALLET");
    EXPECT_EQ(json_of(membership)["identity"]["value"], wallet_of(buyer).to_base58());
    EXPECT_EQ(json_of(membership)["last_payment_id"], payment_id);

    // Confirming again changes nothing: one receipt, one event of each kind.
    EXPECT_EQ(confirm(payment_id)["membership_id"], membership_id);
    EXPECT_EQ(app_->payment_service().watch_once(), 0u);
    auto events = app_->payments().events_for(merchant_id_, 50);
    ASSERT_TRUE(events);
    std::map<std::string, int> kinds;
    for (const auto& event : *events) ++kinds[std::string(to_string(event.type))];
    EXPECT_EQ(kinds, (std::map<std::string, int>{{"membership.activated", 1}, {"payment.confirmed", 1},
                                                  {"receipt.created", 1}}));

    // The payment trail shows it.
    auto trail = client_->Get("/v1/products/" + product["product_id"].get<std::string>() +
                                  "/payments?status=CONFIRMED", merchant());
    ASSERT_TRUE(trail);
    ASSERT_EQ(trail->status, 200) << trail->body;
    ASSERT_EQ(json_of(trail)["data"].size(), 1u);
    EXPECT_EQ(json_of(trail)["data"][0]["payment_id"], payment_id);
}

TEST_F(CheckoutTest, EventsReadBackNewestFirstByTypeAndByIdForTheirMerchantOnly) {
    const auto product = create_product();
    const auto buyer = new_buyer(2 * kPrice);
    const auto first = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    ASSERT_EQ(confirm(first)["status"], "CONFIRMED");
    const auto second = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    ASSERT_EQ(confirm(second)["status"], "CONFIRMED");
    auto stored = app_->payments().events_for(merchant_id_, 50);
    ASSERT_TRUE(stored);
    ASSERT_EQ(stored->size(), 6u) << "per payment: payment.confirmed, receipt.created, membership.*";

    const auto get = [&](const std::string& path, const httplib::Headers& headers) {
        auto res = client_->Get(path, headers);
        EXPECT_TRUE(res);
        return std::make_pair(res ? res->status : 0, res ? json_of(res) : nlohmann::json());
    };
    // Everything, newest first, as stored.
    auto [status, all] = get("/v1/events?limit=100", merchant());
    ASSERT_EQ(status, 200) << all;
    ASSERT_EQ(all["data"].size(), 6u);
    EXPECT_FALSE(all["has_more"]);
    for (std::size_t i = 0; i < stored->size(); ++i) EXPECT_EQ(all["data"][i]["id"], (*stored)[i].id);

    // One type: the two confirmations, the second payment's first.
    auto [typed_status, confirmed] = get("/v1/events?type=payment.confirmed", merchant());
    ASSERT_EQ(typed_status, 200) << confirmed;
    ASSERT_EQ(confirmed["data"].size(), 2u);
    EXPECT_EQ(confirmed["data"][0]["data"]["payment_id"], second);
    EXPECT_EQ(confirmed["data"][1]["data"]["payment_id"], first);
    // A type's pages: its cursor walks that type's events only.
    auto [typed_page_status, typed_page] = get("/v1/events?type=payment.confirmed&limit=1", merchant());
    ASSERT_EQ(typed_page_status, 200) << typed_page;
    ASSERT_EQ(typed_page["data"].size(), 1u);
    EXPECT_TRUE(typed_page["has_more"]);
    const auto after = typed_page["data"][0]["id"].get<std::string>();
    auto [next_status, next] = get("/v1/events?type=payment.confirmed&limit=1&starting_after=" + after, merchant());
    ASSERT_EQ(next_status, 200) << next;
    ASSERT_EQ(next["data"].size(), 1u);
    EXPECT_EQ(next["data"][0]["data"]["payment_id"], first);
    EXPECT_FALSE(next["has_more"]);

    // Pages of two walk the same list.
    std::vector<std::string> walked;
    std::string path = "/v1/events?limit=2";
    for (int page = 0; page < 5; ++page) {
        auto [page_status, body] = get(path, merchant());
        ASSERT_EQ(page_status, 200) << body;
        for (const auto& event : body["data"]) walked.push_back(event["id"].get<std::string>());
        if (!body["has_more"].get<bool>()) break;
        path = "/v1/events?limit=2&starting_after=" + walked.back();
    }
    ASSERT_EQ(walked.size(), 6u);
    for (std::size_t i = 0; i < walked.size(); ++i) EXPECT_EQ(walked[i], all["data"][i]["id"]);

    // By id, the same body; another merchant, an unknown id and a malformed one are all 404.
    const auto id = all["data"][0]["id"].get<std::string>();
    auto [one_status, one] = get("/v1/events/" + id, merchant());
    ASSERT_EQ(one_status, 200) << one;
    EXPECT_EQ(one, all["data"][0]);
    auto other = app_->merchants().create_merchant("Other Guild", clock_.now_seconds());
    ASSERT_TRUE(other);
    const auto stranger = with_key(other->second.secret);
    EXPECT_EQ(get("/v1/events/" + id, stranger).first, 404);
    EXPECT_EQ(get("/v1/events/evt_doesNotExist1", merchant()).first, 404);
    EXPECT_EQ(get("/v1/events/not-an-id", merchant()).first, 404);
    auto [empty_status, empty] = get("/v1/events", stranger);
    EXPECT_EQ(empty_status, 200);
    EXPECT_TRUE(empty["data"].empty());
    // Bad queries are named.
    auto [bad_type, bad_type_body] = get("/v1/events?type=payment.teleported", merchant());
    EXPECT_EQ(bad_type, 422);
    EXPECT_EQ(bad_type_body["error"]["field"], "type");
    auto [foreign_cursor, foreign_body] = get("/v1/events?starting_after=" + id, stranger);
    EXPECT_EQ(foreign_cursor, 422);
    EXPECT_EQ(foreign_body["error"]["field"], "starting_after");
    EXPECT_EQ(get("/v1/events", {}).first, 401);
}

TEST_F(CheckoutTest, TheWatcherSettlesWithoutTheBuyerCallingConfirm) {
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);
    EXPECT_EQ(app_->payment_service().watch_once(), 0u) << "processed is not confirmed";
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(app_->payment_service().watch_once(), 1u);
    EXPECT_EQ(status_of(payment_id)["status"], "CONFIRMED");
}

TEST_F(CheckoutTest, ABroadcastPaymentIsFollowedBetweenTheWatchersTicks) {
    // Ticks a minute apart: only the quick follow after the broadcast can settle the payment within the wait.
    app_->payment_service().start_watcher(std::chrono::seconds(60));
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::string status;
    while (std::chrono::steady_clock::now() < deadline) {
        status = status_of(payment_id)["status"].get<std::string>();
        if (status == "CONFIRMED") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a buyer's poll interval, not a wait for it
    }
    EXPECT_EQ(status, "CONFIRMED");
    app_->payment_service().stop_watcher();
}

TEST_F(CheckoutTest, TheSessionReadsBackAsConnectAnsweredItWithTheCurrentStatus) {
    const auto product = create_product();
    const auto session = connect(product["slug"]);
    const auto payment_id = session["payment_id"].get<std::string>();
    auto res = client_->Get("/v1/payments/" + payment_id + "/session");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
    EXPECT_EQ(json_of(res), session);

    const auto buyer = new_buyer(kPrice);
    ASSERT_TRUE(broadcast(payment_id, sign(build(payment_id, buyer), buyer)));
    app_->sandbox()->advance_slots(1);
    app_->payment_service().watch_once();
    auto after = json_of(client_->Get("/v1/payments/" + payment_id + "/session"));
    EXPECT_EQ(after["status"], "CONFIRMED");
    EXPECT_EQ(after["reference"], session["reference"]);
    EXPECT_FALSE(after.contains("delivery_value")) << "the delivery is confirm's answer, not this one's";

    auto unknown = client_->Get("/v1/payments/pay_unknown123/session");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 404);
}

TEST_F(CheckoutTest, AnExpiredSessionReadsFailed) {
    const auto product = create_product();
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    clock_.advance_ms(901'000);
    EXPECT_EQ(json_of(client_->Get("/v1/payments/" + payment_id + "/session"))["status"], "FAILED");
}

TEST_F(CheckoutTest, ASecondPaymentByTheSameMemberExtendsTheMembership) {
    const auto product = create_product();
    const auto buyer = new_buyer(3 * kPrice);
    const auto first = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    const auto one = confirm(first);
    ASSERT_EQ(one["status"], "CONFIRMED");
    clock_.advance_ms(10 * 86400 * 1000LL);  // ten days later
    const auto second = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    const auto two = confirm(second);
    ASSERT_EQ(two["status"], "CONFIRMED");
    EXPECT_EQ(two["membership_id"], one["membership_id"]);
    auto end = models::parse_timestamp(one["membership_period_end_at"].get<std::string>());
    ASSERT_TRUE(end);
    EXPECT_EQ(two["membership_period_end_at"], models::format_timestamp(models::Timestamp{end->unix_seconds + 30 * 86400}));
    auto events = app_->payments().events_for(merchant_id_, 50);
    ASSERT_TRUE(events);
    EXPECT_EQ(to_string(events->front().type), "membership.renewed");
    auto read = client_->Get("/v1/memberships/" + two["membership_id"].get<std::string>(), merchant());
    ASSERT_TRUE(read);
    EXPECT_EQ(json_of(read)["renewal_count"], 1);

    // Lapsed (past its grace), then paid again: a new run, counted from 0.
    clock_.advance_ms(90LL * 86400 * 1000);
    const auto third = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    ASSERT_EQ(confirm(third)["status"], "CONFIRMED");
    read = client_->Get("/v1/memberships/" + two["membership_id"].get<std::string>(), merchant());
    EXPECT_EQ(json_of(read)["renewal_count"], 0);
    EXPECT_EQ(json_of(read)["status"], "ACTIVE");
}

TEST_F(CheckoutTest, MembershipReadsGraceThenExpiredAsTimePasses) {
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    const auto membership_id = confirm(payment_id)["membership_id"].get<std::string>();
    const auto read = [&] {
        auto res = client_->Get("/v1/memberships/" + membership_id, merchant());
        EXPECT_TRUE(res && res->status == 200);
        return json_of(res)["status"].get<std::string>();
    };
    EXPECT_EQ(read(), "ACTIVE");
    clock_.advance_ms((30 * 86400 + 1) * 1000LL);
    EXPECT_EQ(read(), "GRACE");
    clock_.advance_ms(3 * 86400 * 1000LL);
    EXPECT_EQ(read(), "EXPIRED");
}

TEST_F(CheckoutTest, AnExpiredSessionAnswers410AndReadsFailedExpired) {
    const auto product = create_product();
    const auto session = connect(product["slug"]);
    const auto payment_id = session["payment_id"].get<std::string>();
    const auto buyer = new_buyer(kPrice);
    const auto tx = build(payment_id, buyer);
    clock_.advance_ms(901 * 1000);

    auto rebuilt = request_transaction(payment_id, wallet_of(buyer));
    ASSERT_TRUE(rebuilt);
    EXPECT_EQ(rebuilt->status, 410);
    EXPECT_EQ(json_of(rebuilt)["error"]["code"], "session_expired");
    auto sent = broadcast(payment_id, sign(tx, buyer));
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->status, 410);
    EXPECT_EQ(json_of(sent)["error"]["code"], "session_expired");
    auto status = status_of(payment_id);
    EXPECT_EQ(status["status"], "FAILED");
    EXPECT_EQ(status["failure_reason"], "EXPIRED");
    EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(kPrice)) << "nothing was sent";

    app_->payment_service().watch_once();
    auto events = app_->payments().events_for(merchant_id_, 10);
    ASSERT_TRUE(events);
    ASSERT_EQ(events->size(), 1u);
    EXPECT_EQ(to_string(events->front().type), "payment.failed");
    EXPECT_EQ(events->front().data["failure_reason"], "EXPIRED");
}

TEST_F(CheckoutTest, AWalletBroadcastThatLandsAfterExpiryIsConfirmedAndFlaggedLate) {
    const auto product = create_product();
    const auto session = connect(product["slug"]);
    const auto payment_id = session["payment_id"].get<std::string>();
    const auto buyer = new_buyer(kPrice);
    const auto signed_tx = sign(build(payment_id, buyer), buyer);
    clock_.advance_ms(901 * 1000);
    app_->payment_service().watch_once();
    ASSERT_EQ(status_of(payment_id)["failure_reason"], "EXPIRED");

    // The wallet sends it itself (as a Solana Pay wallet or an extension's signAndSend would).
    auto wire = base64_decode(signed_tx);
    ASSERT_TRUE(wire);
    ASSERT_TRUE(app_->sandbox()->send(*wire));
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(app_->payment_service().watch_once(), 1u);
    const auto status = status_of(payment_id);
    EXPECT_EQ(status["status"], "CONFIRMED");
    EXPECT_EQ(status["late"], true);
    EXPECT_FALSE(status.contains("failure_reason"));
}

TEST_F(CheckoutTest, InsufficientFundsIsNamedBeforeSigningAndBeforeBroadcasting) {
    const auto product = create_product();
    const auto poor = new_buyer(kPrice - 1);
    const auto session = connect(product["slug"]);
    auto res = request_transaction(session["payment_id"], wallet_of(poor));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422);
    EXPECT_EQ(json_of(res)["error"]["code"], "insufficient_funds");
    EXPECT_NE(json_of(res)["error"]["message"].get<std::string>().find("12.499999 USDC"), std::string::npos)
        << res->body;

    // Funds for one payment, two sessions signed: the second broadcast is refused by simulation.
    const auto buyer = new_buyer(kPrice);
    const auto a = connect(product["slug"])["payment_id"].get<std::string>();
    const auto b = connect(product["slug"])["payment_id"].get<std::string>();
    const auto tx_a = sign(build(a, buyer), buyer);
    const auto tx_b = sign(build(b, buyer), buyer);
    auto sent_a = broadcast(a, tx_a);
    ASSERT_TRUE(sent_a);
    ASSERT_EQ(sent_a->status, 200) << sent_a->body;
    auto sent_b = broadcast(b, tx_b);
    ASSERT_TRUE(sent_b);
    EXPECT_EQ(sent_b->status, 422);
    EXPECT_EQ(json_of(sent_b)["error"]["code"], "insufficient_funds") << sent_b->body;
    EXPECT_EQ(status_of(b)["status"], "PENDING_SIGNATURE");
    EXPECT_FALSE(status_of(b).contains("tx_signature"));
}

TEST_F(CheckoutTest, ADroppedBroadcastIsSentAgainUntilItLands) {
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    app_->sandbox()->drop_next_broadcasts(1);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);
    const auto signature = status_of(payment_id)["tx_signature"].get<std::string>();
    auto statuses = app_->sandbox()->signature_statuses({signature});
    ASSERT_TRUE(statuses);
    EXPECT_FALSE((*statuses)[0].has_value()) << "the first send was dropped";
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(confirm(payment_id)["status"], "PENDING_CONFIRMATION");  // this pass sends it again
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(confirm(payment_id)["status"], "CONFIRMED");
}

TEST_F(CheckoutTest, ATransactionThatNeverLandsReopensTheSessionForANewOne) {
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    app_->sandbox()->drop_next_broadcasts(1);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->expire_blockhashes();
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(confirm(payment_id)["status"], "PENDING_SIGNATURE");
    auto res = broadcast(payment_id, sign(build(payment_id, buyer), buyer));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(confirm(payment_id)["status"], "CONFIRMED");
}

TEST_F(CheckoutTest, SolanaPayTransactionRequestBuildsForTheScanningWalletWhichSendsItItself) {
    const auto product = create_product();
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    auto get = client_->Get("/v1/solana-pay/" + payment_id);
    ASSERT_TRUE(get);
    ASSERT_EQ(get->status, 200) << get->body;
    EXPECT_EQ(json_of(get)["label"], "Night Owls — monthly pass");
    EXPECT_EQ(json_of(get)["icon"], "http://127.0.0.1:" + std::to_string(port_) + "/assets/icon.svg");

    const auto buyer = new_buyer(kPrice);
    auto post_res = post("/v1/solana-pay/" + payment_id, {{"account", wallet_of(buyer).to_base58()}});
    ASSERT_TRUE(post_res);
    ASSERT_EQ(post_res->status, 200) << post_res->body;
    auto tx = solana::parse_transaction_base64(json_of(post_res)["transaction"].get<std::string>());
    ASSERT_TRUE(tx);
    auto wire = base64_decode(sign(*tx, buyer));
    ASSERT_TRUE(app_->sandbox()->send(*wire));
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(app_->payment_service().watch_once(), 1u);
    EXPECT_EQ(status_of(payment_id)["status"], "CONFIRMED");
}

TEST_F(CheckoutTest, ConfirmWithTheSignatureOfAWalletBroadcastSettlesAtOnce) {
    const auto product = create_product();
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    const auto buyer = new_buyer(kPrice);
    auto wire = base64_decode(sign(build(payment_id, buyer), buyer));
    auto signature = app_->sandbox()->send(*wire);
    ASSERT_TRUE(signature);
    app_->sandbox()->advance_slots(1);
    const auto confirmed = confirm(payment_id, {{"tx_signature", *signature}});
    EXPECT_EQ(confirmed["status"], "CONFIRMED");
    EXPECT_EQ(confirmed["tx_signature"], *signature);
}

TEST_F(CheckoutTest, PaymentsSurviveARestart) {
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    const auto confirmed = confirm(payment_id);
    ASSERT_EQ(confirmed["status"], "CONFIRMED");
    const auto before = status_of(payment_id);
    open_app();  // same database file, new process state (the sandbox chain starts over)
    EXPECT_EQ(status_of(payment_id), before);
    auto receipt = client_->Get("/v1/payments/" + payment_id + "/receipt", merchant());
    ASSERT_TRUE(receipt);
    EXPECT_EQ(receipt->status, 200);
    auto verified = models::parse<models::Receipt>(receipt->body);
    ASSERT_TRUE(verified);
    EXPECT_TRUE(models::verify_receipt(*verified));
    EXPECT_EQ(verified->signer_public_key, solana::PublicKey::from_bytes(app_->receipt_public_key()))
        << "the receipt key is kept across restarts";
}

TEST_F(CheckoutTest, ConcurrentBroadcastsAndConfirmsOfOneTransactionConfirmExactlyOnce) {
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    const auto signed_tx = sign(build(payment_id, buyer), buyer);
    constexpr int kThreads = 8;
    std::vector<std::thread> threads;
    std::vector<int> codes(kThreads);
    std::vector<std::string> signatures(kThreads);
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            httplib::Client client("127.0.0.1", port_);
            auto res = client.Post("/v1/payments/" + payment_id + "/broadcast",
                                   nlohmann::json{{"signed_transaction", signed_tx}}.dump(), "application/json");
            codes[i] = res ? res->status : -1;
            if (res && res->status == 200) signatures[i] = json_of(res)["tx_signature"];
        });
    }
    for (auto& t : threads) t.join();
    for (int i = 0; i < kThreads; ++i) {
        EXPECT_EQ(codes[i], 200);
        EXPECT_EQ(signatures[i], signatures[0]);
    }
    app_->sandbox()->advance_slots(1);
    threads.clear();
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&] {
            httplib::Client client("127.0.0.1", port_);
            (void)client.Post("/v1/payments/" + payment_id + "/confirm", "{}", "application/json");
            app_->payment_service().watch_once();
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(status_of(payment_id)["status"], "CONFIRMED");
    EXPECT_EQ(token_balance(merchant_wallet_), static_cast<std::uint64_t>(kPrice - kPrice / 100)) << "paid once";
    auto events = app_->payments().events_for(merchant_id_, 50);
    ASSERT_TRUE(events);
    EXPECT_EQ(events->size(), 3u) << "one payment.confirmed, receipt.created, membership.activated";
}

TEST_F(CheckoutTest, ConcurrentConnectsWithOneIdempotencyKeyStartOneSession) {
    const auto product = create_product();
    const auto path = "/v1/products/p/" + product["slug"].get<std::string>() + "/connect";
    constexpr int kThreads = 8;
    std::vector<std::thread> threads;
    std::vector<std::string> ids(kThreads);
    std::vector<int> codes(kThreads);
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            httplib::Client client("127.0.0.1", port_);
            auto res = client.Post(path, {{"Idempotency-Key", "buyer-tab-1"}}, "{}", "application/json");
            codes[i] = res ? res->status : -1;
            if (res && res->status == 201) ids[i] = json_of(res)["payment_id"];
        });
    }
    for (auto& t : threads) t.join();
    std::set<std::string> distinct;
    for (int i = 0; i < kThreads; ++i) {
        EXPECT_TRUE(codes[i] == 201 || codes[i] == 409) << codes[i];  // 409 while the first is in flight
        if (codes[i] == 201) distinct.insert(ids[i]);
    }
    EXPECT_EQ(distinct.size(), 1u);
    auto again = client_->Post(path, {{"Idempotency-Key", "buyer-tab-1"}}, "{}", "application/json");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 201);
    EXPECT_EQ(json_of(again)["payment_id"], *distinct.begin());
    auto trail = client_->Get("/v1/products/" + product["product_id"].get<std::string>() + "/payments", merchant());
    EXPECT_EQ(json_of(trail)["data"].size(), 1u);
}

TEST_F(CheckoutTest, APriceChangeDoesNotChangeAStartedSession) {
    const auto product = create_product();
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    auto patch = client_->Patch("/v1/products/" + product["product_id"].get<std::string>(), merchant(),
                                R"({"amount_minor_units": 99000000})", "application/json");
    ASSERT_TRUE(patch);
    ASSERT_EQ(patch->status, 200) << patch->body;
    EXPECT_EQ(status_of(payment_id)["amount_minor_units"], kPrice);
    const auto buyer = new_buyer(kPrice);
    auto res = broadcast(payment_id, sign(build(payment_id, buyer), buyer));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(connect(product["slug"])["amount_minor_units"], 99000000);
}

TEST_F(CheckoutTest, SolPricedProductsArePaidWithSystemTransfers) {
    auto body = product_body();
    body["token_mint"] = money::sol().mint(money::Cluster::Devnet).to_base58();
    body["amount_minor_units"] = 250'000'000;  // 0.25 SOL
    const auto product = create_product(body);
    const auto buyer = new_buyer(0, 2'000'000'000);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(confirm(payment_id)["status"], "CONFIRMED");
    auto merchant_account = app_->sandbox()->account(merchant_wallet_, Commitment::Processed);
    ASSERT_TRUE(merchant_account && *merchant_account);
    EXPECT_EQ((*merchant_account)->lamports, 250'000'000u - 2'500'000u);
}

TEST_F(CheckoutTest, ABroadcastAcceptedWhileTheChainIsUnreachableIsSentLaterNotLost) {
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    app_->sandbox()->fail_next_sends(1);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);
    EXPECT_EQ(status_of(payment_id)["status"], "PENDING_CONFIRMATION");
    EXPECT_EQ(confirm(payment_id)["status"], "PENDING_CONFIRMATION");  // this pass re-sends it
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(confirm(payment_id)["status"], "CONFIRMED");
}

TEST_F(CheckoutTest, EachRouteNamesWhyItRefusesInTheStateItIsIn) {
    const auto product = create_product();
    const auto buyer = new_buyer(2 * kPrice);
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    const auto first = sign(build(payment_id, buyer), buyer);
    // Two transactions for one session: the second one while the first awaits confirmation is 409.
    app_->sandbox()->drop_next_broadcasts(1);
    ASSERT_EQ(broadcast(payment_id, first)->status, 200);
    auto rebuild = request_transaction(payment_id, wallet_of(buyer));
    ASSERT_TRUE(rebuild);
    EXPECT_EQ(rebuild->status, 409) << rebuild->body;
    // No receipt before confirmation.
    auto early = client_->Get("/v1/payments/" + payment_id + "/receipt", merchant());
    ASSERT_TRUE(early);
    EXPECT_EQ(early->status, 404);
    // A signature of some other transaction does not confirm this payment.
    const auto other = connect(product["slug"])["payment_id"].get<std::string>();
    auto stranger = base64_decode(sign(build(other, buyer), buyer));
    auto stranger_signature = app_->sandbox()->send(*stranger);
    ASSERT_TRUE(stranger_signature);
    app_->sandbox()->advance_slots(1);
    auto wrong = post("/v1/payments/" + payment_id + "/confirm", {{"tx_signature", *stranger_signature}});
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 422) << wrong->body;
    EXPECT_EQ(json_of(wrong)["error"]["code"], "transaction_mismatch");
    // Handing it to the wrong session did not claim it: the session it pays still finds it.
    auto stranger_record = app_->payments().find_transaction(*stranger_signature);
    ASSERT_TRUE(stranger_record);
    EXPECT_FALSE(stranger_record->has_value()) << "not recorded against a session it does not name";
    app_->payment_service().watch_once();  // also re-sends this payment's dropped transaction
    EXPECT_EQ(status_of(other)["status"], "CONFIRMED");
    EXPECT_EQ(status_of(payment_id)["status"], "PENDING_CONFIRMATION");
    // Once confirmed, nothing more can be built or sent for it.
    app_->sandbox()->advance_slots(1);
    ASSERT_EQ(confirm(payment_id)["status"], "CONFIRMED");
    auto after = request_transaction(payment_id, wallet_of(buyer));
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 409);
    EXPECT_EQ(json_of(after)["error"]["code"], "conflict");
    auto same = broadcast(payment_id, first);
    ASSERT_TRUE(same);
    EXPECT_EQ(same->status, 200) << "the confirmed transaction itself is still an idempotent repeat";
    EXPECT_EQ(json_of(same)["status"], "CONFIRMED");
    // Merchant list parameters.
    auto bad_status = client_->Get("/v1/products/" + product["product_id"].get<std::string>() + "/payments?status=PAID",
                                   merchant());
    ASSERT_TRUE(bad_status);
    EXPECT_EQ(bad_status->status, 422);
    EXPECT_EQ(json_of(bad_status)["error"]["field"], "status");
    auto bad_filter = client_->Get("/v1/memberships?product_id=nope", merchant());
    ASSERT_TRUE(bad_filter);
    EXPECT_EQ(bad_filter->status, 422);
    EXPECT_EQ(json_of(bad_filter)["error"]["field"], "product_id");
    auto bad_cursor = client_->Get("/v1/memberships?starting_after=mem_unknown", merchant());
    ASSERT_TRUE(bad_cursor);
    EXPECT_EQ(bad_cursor->status, 422);
}

TEST_F(CheckoutTest, PaymentTrailAndMembershipsPaginateNewestFirst) {
    const auto product = create_product();
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(connect(product["slug"])["payment_id"].get<std::string>());
    const auto base = "/v1/products/" + product["product_id"].get<std::string>() + "/payments?limit=2";
    auto page = client_->Get(base, merchant());
    ASSERT_TRUE(page);
    ASSERT_EQ(page->status, 200);
    std::vector<std::string> seen;
    auto body = json_of(page);
    for (;;) {
        for (const auto& item : body["data"]) seen.push_back(item["payment_id"]);
        if (!body["has_more"].get<bool>()) break;
        auto next = client_->Get(base + "&starting_after=" + seen.back(), merchant());
        ASSERT_TRUE(next);
        ASSERT_EQ(next->status, 200) << next->body;
        body = json_of(next);
    }
    EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));
}

// A wallet's own transfer for the session (it holds the reference), paying `delta` more (or less) to the
// merchant than the quote: the server-built transaction with the net TransferChecked amount rewritten,
// signed by the buyer and sent straight to the chain, never through Hilt.
class OwnTransferTest : public CheckoutTest {
protected:
std::string send_own_transfer(const std::string& payment_id, const Ed25519Keypair& buyer, std::int64_t delta) {
    auto tx = build(payment_id, buyer);
    const auto quote = status_of(payment_id);
    const auto net = static_cast<std::uint64_t>(quote["merchant_amount_minor_units"].get<std::int64_t>());
    bool rewritten = false;
    for (auto& ix : tx.message.instructions) {
        const auto program = tx.message.static_key(ix.program_id_index);
        if (!program || *program != solana::programs::kToken || ix.data.size() != 10 || ix.data[0] != 12) continue;
        std::uint64_t amount = 0;
        for (int b = 0; b < 8; ++b) amount |= std::uint64_t{ix.data[1 + b]} << (8 * b);
        if (amount != net) continue;  // the fee transfer
        const auto paid = static_cast<std::uint64_t>(static_cast<std::int64_t>(net) + delta);
        for (int b = 0; b < 8; ++b) ix.data[1 + b] = static_cast<std::uint8_t>(paid >> (8 * b));
        rewritten = true;
    }
    EXPECT_TRUE(rewritten) << "the net transfer was found";
    auto wire = base64_decode(sign(tx, buyer));
    EXPECT_TRUE(wire);
    auto signature = app_->sandbox()->send(*wire);
    EXPECT_TRUE(signature) << describe(signature.error());
    return signature ? *signature : std::string();
}
};

TEST_F(OwnTransferTest, PayingMoreConfirmsAndIsFlagged) {
    const auto product = create_product();
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    const auto buyer = new_buyer(kPrice + 5'000);
    const auto signature = send_own_transfer(payment_id, buyer, 5'000);
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(app_->payment_service().watch_once(), 1u);
    const auto paid = status_of(payment_id);
    EXPECT_EQ(paid["status"], "CONFIRMED");
    EXPECT_EQ(paid["tx_signature"], signature);
    EXPECT_EQ(paid["overpaid_minor_units"], 5'000);
    EXPECT_EQ(token_balance(merchant_wallet_),
              static_cast<std::uint64_t>(paid["merchant_amount_minor_units"].get<std::int64_t>() + 5'000));
}

TEST_F(OwnTransferTest, PayingLessIsKeptButNeverCredited) {
    const auto product = create_product();
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    const auto buyer = new_buyer(kPrice);
    const auto signature = send_own_transfer(payment_id, buyer, -1);
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(app_->payment_service().watch_once(), 0u);
    const auto unpaid = status_of(payment_id);
    EXPECT_EQ(unpaid["status"], "PENDING_SIGNATURE");
    EXPECT_FALSE(unpaid.contains("overpaid_minor_units"));
    auto kept = app_->payments().find_transaction(signature);
    ASSERT_TRUE(kept);
    ASSERT_TRUE(kept->has_value()) << "the short payment is recorded against the session";
    EXPECT_EQ((*kept)->state, TransactionState::Mismatch);
    const auto error = (*kept)->error.value_or("");
    EXPECT_NE(error.find("merchant_wallet"), std::string::npos) << error;
    // Looking again changes nothing and never credits it.
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(app_->payment_service().watch_once(), 0u);
    EXPECT_EQ(status_of(payment_id)["status"], "PENDING_SIGNATURE");
}

// A wallet that knows only transfer requests: it reads the session's solana_pay_transfer_url and sends what it
// says (one TransferChecked of the whole amount to the recipient's account, the reference appended, the memo
// before it), creating the merchant's account if needed. `short_by` pays that much less.
class TransferRequestTest : public CheckoutTest {
protected:
    std::string pay_transfer_request(const nlohmann::json& session, const Ed25519Keypair& buyer,
                                     std::uint64_t short_by = 0) {
        auto request = solanapay::parse_transfer_request(session["solana_pay_transfer_url"].get<std::string>(), 6);
        EXPECT_TRUE(request) << describe(request.error());
        if (!request) return {};
        EXPECT_TRUE(request->amount && request->spl_token);
        const auto payer = wallet_of(buyer);
        const auto mint = *request->spl_token;
        const auto from = solana::associated_token_address(payer, mint);
        const auto to = solana::associated_token_address(request->recipient, mint);
        auto create = solana::create_associated_token_account_idempotent(payer, request->recipient, mint);
        auto memo = solana::memo(request->memo);
        EXPECT_TRUE(from && to && create && memo);
        const std::vector<solana::Instruction> instructions = {
            *create, *memo,
            solana::token_transfer_checked(from->address, mint, to->address, payer,
                                           request->amount->minor_units - short_by, request->amount->decimals,
                                           request->references)};
        auto blockhash = app_->sandbox()->latest_blockhash(Commitment::Confirmed);
        EXPECT_TRUE(blockhash);
        auto message = solana::compile_message(payer, instructions, blockhash->blockhash);
        EXPECT_TRUE(message) << describe(message.error());
        auto tx = solana::make_unsigned_transaction(*message);
        EXPECT_TRUE(tx);
        auto wire = base64_decode(sign(*tx, buyer));
        auto signature = app_->sandbox()->send(*wire);
        EXPECT_TRUE(signature) << describe(signature.error());
        return signature ? *signature : std::string();
    }
};

TEST_F(TransferRequestTest, TheUrlAsksForTheWholePriceToTheMerchantWithReferenceAndMemo) {
    const auto product = create_product();
    const auto session = connect(product["slug"]);
    auto request = solanapay::parse_transfer_request(session["solana_pay_transfer_url"].get<std::string>(), 6);
    ASSERT_TRUE(request) << describe(request.error());
    EXPECT_EQ(request->recipient, merchant_wallet_);
    ASSERT_TRUE(request->amount);
    EXPECT_EQ(request->amount->minor_units, static_cast<std::uint64_t>(kPrice));
    EXPECT_EQ(request->spl_token, SandboxChain::usdc_mint());
    ASSERT_EQ(request->references.size(), 1u);
    EXPECT_EQ(request->references[0].to_base58(), session["reference"]);
    EXPECT_EQ(request->memo, session["payment_id"]);
    EXPECT_EQ(request->label, product["title"]);
    EXPECT_NE(request->message.find(session["payment_id"].get<std::string>()), std::string::npos);
    // This server is on plain http: wallets cannot fetch its transaction request, so the QR shows the transfer.
    EXPECT_EQ(session["solana_pay_url"], session["solana_pay_transfer_url"]);
}

TEST_F(TransferRequestTest, PayingItConfirmsWithTheFeeOutstanding) {
    const auto product = create_product();
    const auto session = connect(product["slug"]);
    const auto payment_id = session["payment_id"].get<std::string>();
    const auto buyer = new_buyer(kPrice);
    const auto signature = pay_transfer_request(session, buyer);
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(app_->payment_service().watch_once(), 1u);
    const auto paid = status_of(payment_id);
    EXPECT_EQ(paid["status"], "CONFIRMED");
    EXPECT_EQ(paid["tx_signature"], signature);
    EXPECT_EQ(paid["fee_outstanding_minor_units"], kPrice / 100);
    EXPECT_FALSE(paid.contains("overpaid_minor_units"));
    EXPECT_EQ(token_balance(merchant_wallet_), static_cast<std::uint64_t>(kPrice));
    EXPECT_EQ(token_balance(app_->fee_wallet()), 0u);
}

TEST_F(TransferRequestTest, OneUnitShortIsKeptButNeverCredited) {
    const auto product = create_product();
    const auto session = connect(product["slug"]);
    const auto payment_id = session["payment_id"].get<std::string>();
    const auto signature = pay_transfer_request(session, new_buyer(kPrice), 1);
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(app_->payment_service().watch_once(), 0u);
    EXPECT_EQ(status_of(payment_id)["status"], "PENDING_SIGNATURE");
    auto kept = app_->payments().find_transaction(signature);
    ASSERT_TRUE(kept);
    ASSERT_TRUE(kept->has_value());
    EXPECT_EQ((*kept)->state, TransactionState::Mismatch);
    const auto error = (*kept)->error.value_or("");
    EXPECT_NE(error.find("short by 1"), std::string::npos) << error;
}

TEST_F(TransferRequestTest, TheFeeFromTheBuiltTransactionIsNotOutstanding) {
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    app_->payment_service().watch_once();
    const auto paid = status_of(payment_id);
    EXPECT_EQ(paid["status"], "CONFIRMED");
    EXPECT_FALSE(paid.contains("fee_outstanding_minor_units"));
    EXPECT_EQ(token_balance(app_->fee_wallet()), static_cast<std::uint64_t>(kPrice / 100));
}

}  // namespace
}  // namespace hilt::server
