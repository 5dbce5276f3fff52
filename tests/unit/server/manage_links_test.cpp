// What a subscriber is told and where they manage it (issue 7): the public payload states how many
// renewals the approval covers, a scanning wallet's Solana Pay message states the limit, the checkout's
// confirm answer and the merchant's membership reads carry `manage_url` for a subscription (and only for
// one), its fragment token opens the manage routes, and GET /m/{id} serves the app's shell, which tells
// nobody whether the id exists.
#include "routes/pages.h"
#include "solana/inspector.h"
#include "unit/server/checkout_harness.h"

namespace hilt::server {
namespace {

class ManageLinksTest : public test::CheckoutHarness {
protected:
    void SetUp() override {
        CheckoutHarness::SetUp();
        auto merchant = app_->merchants().set_subscriptions_enabled(merchant_id_, true);
        ASSERT_TRUE(merchant) << describe(merchant.error());
    }
    // A paid checkout of a membership product renewing `mode`; returns the confirm answer.
    nlohmann::json paid(std::string_view mode) {
        auto body = product_body();
        body["membership_config"]["renewal_mode"] = std::string(mode);
        const auto slug = create_product(body)["slug"].get<std::string>();
        const auto buyer = new_buyer(200'000'000);
        const auto payment_id = pay_until_broadcast(slug, buyer);
        app_->sandbox()->advance_slots(1);
        auto confirmed = confirm(payment_id);
        EXPECT_EQ(confirmed["status"], "CONFIRMED") << confirmed.dump();
        return confirmed;
    }
    std::string public_url() const { return app_->config().public_url; }
};

TEST_F(ManageLinksTest, ThePayloadAndAScanningWalletsMessageStateTheApprovalsLimit) {
    auto body = product_body();
    body["membership_config"]["renewal_mode"] = "AUTOMATIC";
    const auto product = create_product(body);
    const auto slug = product["slug"].get<std::string>();
    auto payload = client_->Get("/v1/products/p/" + slug);
    ASSERT_TRUE(payload);
    EXPECT_EQ(json_of(payload)["membership_allowance_periods"], 12) << "the default --renewal-allowance";

    // The QR lane: the wallet asks /v1/solana-pay/{id} and shows `message` beside the transaction.
    const auto buyer = new_buyer(200'000'000);
    const auto payment_id = connect(slug, {{"route", "SOLANA_PAY_QR"}})["payment_id"].get<std::string>();
    auto res = post("/v1/solana-pay/" + payment_id, {{"account", wallet_of(buyer).to_base58()}});
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const auto answer = json_of(res);
    EXPECT_EQ(answer["message"], "Renews: allows Hilt up to 150.00 USDC (12 renewals). Night Owls — monthly pass");
    auto tx = solana::parse_transaction_base64(answer["transaction"].get<std::string>());
    ASSERT_TRUE(tx);
    const auto report = solana::inspect_transaction(*tx);
    ASSERT_EQ(report.token_approvals.size(), 1u);
    EXPECT_EQ(report.token_approvals.front().amount, 12u * static_cast<std::uint64_t>(kPrice))
        << "the message states what the transaction approves";

    // A one-off product states no allowance and its wallet message is the title alone.
    const auto one_off = create_product(product_body());
    auto plain = client_->Get("/v1/products/p/" + one_off["slug"].get<std::string>());
    ASSERT_TRUE(plain);
    EXPECT_FALSE(json_of(plain).contains("membership_allowance_periods"));
    const auto plain_payment =
        connect(one_off["slug"].get<std::string>(), {{"route", "SOLANA_PAY_QR"}})["payment_id"].get<std::string>();
    auto plain_answer = post("/v1/solana-pay/" + plain_payment, {{"account", wallet_of(buyer).to_base58()}});
    ASSERT_TRUE(plain_answer);
    EXPECT_EQ(json_of(plain_answer)["message"], "Night Owls — monthly pass");
}

TEST_F(ManageLinksTest, ASubscriptionsConfirmAnswerLinksTheManagePageWhoseFragmentTokenOpensTheRoutes) {
    const auto confirmed = paid("AUTOMATIC");
    const auto id = confirmed["membership_id"].get<std::string>();
    ASSERT_TRUE(confirmed.contains("manage_url")) << confirmed.dump();
    const auto url = confirmed["manage_url"].get<std::string>();
    const std::string prefix = public_url() + "/m/" + id + "#k=";
    ASSERT_EQ(url.substr(0, prefix.size()), prefix) << url;
    const auto token = url.substr(prefix.size());
    EXPECT_EQ(token.size(), 43u) << "base64url of a 32-byte HMAC, unpadded";

    auto view = client_->Get("/v1/memberships/" + id + "/manage", {{"X-Hilt-Manage-Token", token}});
    ASSERT_TRUE(view);
    EXPECT_EQ(view->status, 200) << view->body;
    EXPECT_EQ(json_of(view)["membership_id"], id);

    // The merchant reads the same link, to pass it on (a bot's DM, an email).
    auto membership = client_->Get("/v1/memberships/" + id, merchant());
    ASSERT_TRUE(membership);
    EXPECT_EQ(json_of(membership)["manage_url"], url);
    auto list = client_->Get("/v1/memberships", merchant());
    ASSERT_TRUE(list);
    EXPECT_EQ(json_of(list)["data"][0]["manage_url"], url);

    // Another membership's token does not open this one.
    auto forged = client_->Get("/v1/memberships/" + id + "/manage",
                               {{"X-Hilt-Manage-Token", app_->subscriptions().manage_token("mem_AAAAAAAAAAAAAAAAAAAAAA")}});
    ASSERT_TRUE(forged);
    EXPECT_EQ(forged->status, 404);
}

TEST_F(ManageLinksTest, AOneOffMembershipHasNoManageLink) {
    const auto confirmed = paid("ONE_OFF");
    ASSERT_TRUE(confirmed.contains("membership_id")) << confirmed.dump();
    EXPECT_FALSE(confirmed.contains("manage_url")) << confirmed.dump();
    auto membership = client_->Get("/v1/memberships/" + confirmed["membership_id"].get<std::string>(), merchant());
    ASSERT_TRUE(membership);
    EXPECT_FALSE(json_of(membership).contains("manage_url"));
}

TEST_F(ManageLinksTest, TheManagePageIsTheAppsShellForAnyWellFormedIdAndKeepsTheTokenOutOfReferers) {
    const auto id = paid("AUTOMATIC")["membership_id"].get<std::string>();
    auto page = client_->Get("/m/" + id);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->status, 200) << page->body;
    EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(page->get_header_value("Cache-Control"), "no-store");
    EXPECT_EQ(page->get_header_value("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(page->get_header_value_count("Referrer-Policy"), 1u) << "a browser reads the last one";
    EXPECT_EQ(page->get_header_value("Cross-Origin-Opener-Policy"), "same-origin-allow-popups");
    // Opened from a mail app (the receipt): no page to cut off, the tab's renderer kept (pages.cpp).
    auto started = client_->Get("/m/" + id, {{"Sec-Fetch-Site", "none"}});
    ASSERT_TRUE(started);
    EXPECT_EQ(started->get_header_value("Cross-Origin-Opener-Policy"), "unsafe-none");
    EXPECT_EQ(started->get_header_value_count("Cross-Origin-Opener-Policy"), 1u);
    // This test's assets folder has no stylesheet: the policy allows no style at all.
    EXPECT_EQ(page->get_header_value("Content-Security-Policy"), checkout_page_csp(std::nullopt));
    EXPECT_NE(page->get_header_value("Content-Security-Policy").find("style-src 'none';"), std::string::npos);
    EXPECT_NE(page->body.find("data-page=\"manage\""), std::string::npos) << page->body;
    EXPECT_NE(page->body.find("data-membership=\"" + id + "\""), std::string::npos);
    EXPECT_NE(page->body.find("<meta name=\"robots\" content=\"noindex\">"), std::string::npos);

    // An unknown id gets the same shell (the page holds no secret and looks nothing up).
    auto unknown = client_->Get("/m/mem_AAAAAAAAAAAAAAAAAAAAAA");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 200);
    std::string expected = page->body;
    expected.replace(expected.find(id), id.size(), "mem_AAAAAAAAAAAAAAAAAAAAAA");
    EXPECT_EQ(unknown->body, expected);

    for (const std::string bad : {"/m/pay_AAAAAAAAAAAAAAAAAAAAAA", "/m/mem_%3Cscript%3E", "/m/mem_"}) {
        auto res = client_->Get(bad);
        ASSERT_TRUE(res) << bad;
        EXPECT_EQ(res->status, 404) << bad;
        EXPECT_EQ(res->body.find("<script"), std::string::npos) << bad;
    }
}

TEST(ManagePage, EscapesTheIdAndLoadsTheManifestsAssets) {
    ManagePageView view;
    view.membership_id = "mem_\"><x";
    view.assets.script = "checkout.1a2b.js";
    view.assets.wasm = "checkout.3c4d.wasm";
    const auto html = render_manage_page(view);
    EXPECT_NE(html.find("data-membership=\"mem_&quot;&gt;&lt;x\""), std::string::npos) << html;
    EXPECT_NE(html.find("<script src=\"/assets/checkout.1a2b.js\" defer fetchpriority=\"high\">"
                        "</script>"),
              std::string::npos);
    EXPECT_NE(html.find("href=\"/assets/checkout.3c4d.wasm\""), std::string::npos);
}

}  // namespace
}  // namespace hilt::server
