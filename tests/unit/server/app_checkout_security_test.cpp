// What the public checkout routes refuse: tampered transactions, forged, expired and reused handoff tokens,
// other merchants' ids and malformed requests. Each refusal is a named 4xx that changes nothing.
#include "payments/handoff_token.h"
#include "payments/payment_service.h"
#include "solana/instructions.h"
#include "unit/server/checkout_harness.h"

namespace hilt::server {
namespace {

class CheckoutSecurityTest : public test::CheckoutHarness {
protected:
    // A transaction built like the server's, from a deliberately altered copy of the payment, signed by
    // `signer` as fee payer.
    std::string tampered(const PaymentRecord& altered, const Ed25519Keypair& signer,
                         const solana::PublicKey& blockhash,
                         const std::vector<solana::Instruction>& extra = {}) {
        auto instructions = payment_instructions(altered, wallet_of(signer), true, true);
        EXPECT_TRUE(instructions);
        instructions->insert(instructions->end(), extra.begin(), extra.end());
        auto message = solana::compile_message(wallet_of(signer), *instructions, blockhash);
        EXPECT_TRUE(message) << describe(message.error());
        auto tx = solana::make_unsigned_transaction(*message);
        EXPECT_TRUE(tx);
        return sign(*tx, signer);
    }
    PaymentRecord record(const std::string& payment_id) {
        auto payment = app_->payments().get(payment_id);
        EXPECT_TRUE(payment);
        return *payment;
    }
    nlohmann::json handoff_link(const std::string& product_id, const nlohmann::json& body,
                                int expect = 201) {
        auto res = client_->Post("/v1/products/" + product_id + "/handoff-link", merchant(), body.dump(),
                                 "application/json");
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, expect) << res->body;
        return json_of(res);
    }
    nlohmann::json discord_product() {
        auto body = product_body();
        body["membership_config"]["platform"] = "DISCORD";
        body["membership_config"]["identity_type"] = "DISCORD_USER";
        return create_product(body);
    }
    static nlohmann::json discord_buyer() {
        return {{"buyer_ref", "crm-4471"},
                {"identity", {{"type", "DISCORD_USER"}, {"value", "80351110224678912"}, {"display_name", "owl#0042"}}}};
    }
};

TEST_F(CheckoutSecurityTest, TamperedTransactionsAreRefusedByNameAndChangeNothing) {
    const auto product = create_product();
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    const auto other_id = connect(product["slug"])["payment_id"].get<std::string>();
    const auto buyer = new_buyer(10 * kPrice);
    const auto attacker = new_buyer(10 * kPrice);
    const auto blockhash = build(payment_id, buyer).message.recent_blockhash;
    (void)build(other_id, buyer);
    const auto original = record(payment_id);

    auto less = original;
    less.quote.merchant_amount_minor_units -= 1;
    auto other_mint = original;
    other_mint.quote.token_mint = app_->sandbox()->create_mint(6);
    auto redirected = original;
    redirected.quote.merchant_wallet = wallet_of(attacker);
    auto no_reference = original;
    no_reference.reference = wallet_of(ed25519_keypair_random());
    const auto stranger_program = wallet_of(ed25519_keypair_random());
    const solana::Instruction extra_program{stranger_program, {{wallet_of(buyer), true, true}}, {1, 2, 3}};

    const std::vector<std::pair<std::string, std::string>> cases = {
        {"amount", tampered(less, buyer, blockhash)},
        {"mint", tampered(other_mint, buyer, blockhash)},
        {"recipient", tampered(redirected, buyer, blockhash)},
        {"missing reference", tampered(no_reference, buyer, blockhash)},
        {"extra program", tampered(original, buyer, blockhash, {extra_program})},
        {"wrong signer", tampered(original, attacker, blockhash)},
        {"another payment's transaction", tampered(record(other_id), buyer, blockhash)},
    };
    for (const auto& [name, signed_tx] : cases) {
        auto res = broadcast(payment_id, signed_tx);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 422) << name << ": " << res->body;
        EXPECT_EQ(json_of(res)["error"]["code"], "transaction_mismatch") << name << ": " << res->body;
        EXPECT_TRUE(json_of(res)["error"].contains("field")) << name;
    }
    // A signature that does not verify.
    auto forged = solana::parse_transaction_base64(tampered(original, buyer, blockhash));
    ASSERT_TRUE(forged);
    forged->signatures[0][5] ^= 0x01;
    auto res = broadcast(payment_id, base64_encode(*solana::serialize_transaction(*forged)));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422);
    EXPECT_EQ(json_of(res)["error"]["code"], "invalid_signature") << res->body;

    const auto status = status_of(payment_id);
    EXPECT_EQ(status["status"], "PENDING_SIGNATURE");
    EXPECT_FALSE(status.contains("tx_signature"));
    EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(10 * kPrice)) << "nothing was sent";
    EXPECT_EQ(token_balance(merchant_wallet_), 0u);
    auto transactions = app_->payments().transactions_of(payment_id);
    ASSERT_TRUE(transactions);
    EXPECT_TRUE(transactions->empty());
    // The genuine one still goes through afterwards.
    auto genuine = broadcast(payment_id, tampered(original, buyer, blockhash));
    ASSERT_TRUE(genuine);
    EXPECT_EQ(genuine->status, 200) << genuine->body;
}

TEST_F(CheckoutSecurityTest, ATransactionAcceptedForOnePaymentIsRefusedForAnother) {
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    const auto first = connect(product["slug"])["payment_id"].get<std::string>();
    const auto second = connect(product["slug"])["payment_id"].get<std::string>();
    (void)build(second, buyer);
    const auto signed_tx = sign(build(first, buyer), buyer);
    ASSERT_EQ(broadcast(first, signed_tx)->status, 200);
    auto res = broadcast(second, signed_tx);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422);
    EXPECT_EQ(json_of(res)["error"]["code"], "transaction_mismatch");
    EXPECT_EQ(status_of(second)["status"], "PENDING_SIGNATURE");
}

TEST_F(CheckoutSecurityTest, ASessionBoundToOneWalletRefusesAnother) {
    const auto product = create_product();
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    (void)build(payment_id, new_buyer(kPrice));
    auto res = request_transaction(payment_id, wallet_of(new_buyer(kPrice)));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 409);
    EXPECT_EQ(json_of(res)["error"]["field"], "buyer_wallet");
}

TEST_F(CheckoutSecurityTest, BroadcastBeforeTheTransactionWasRequestedIsRefused) {
    const auto product = create_product();
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    const auto buyer = new_buyer(kPrice);
    auto res = broadcast(payment_id, tampered(record(payment_id), buyer, wallet_of(ed25519_keypair_random())));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422);
    EXPECT_EQ(json_of(res)["error"]["field"], "fee_payer");
}

TEST_F(CheckoutSecurityTest, HandoffLinksCarryTheIdentityToThePaymentAndItsMembership) {
    const auto product = discord_product();
    const auto link = handoff_link(product["product_id"], discord_buyer());
    const auto token = link["token"].get<std::string>();
    EXPECT_EQ(link["url"], product["checkout_url"].get<std::string>() + "?handoff=" + token);
    EXPECT_EQ(link["expires_at"], models::format_timestamp(models::Timestamp{clock_.now_seconds() + 3600}));

    auto resolved = post("/v1/handoff/resolve", {{"token", token}});
    ASSERT_TRUE(resolved);
    ASSERT_EQ(resolved->status, 200) << resolved->body;
    EXPECT_EQ(json_of(resolved), (nlohmann::json{{"slug", product["slug"]},
                                                 {"buyer_ref", "crm-4471"},
                                                 {"identity", {{"type", "DISCORD_USER"}, {"display_name", "owl#0042"}}},
                                                 {"expires_at", link["expires_at"]}}))
        << "the identity's value never reaches the buyer's browser";

    const auto buyer = new_buyer(kPrice);
    const auto session = connect(product["slug"], {{"handoff_token", token}});
    const auto payment_id = session["payment_id"].get<std::string>();
    ASSERT_EQ(broadcast(payment_id, sign(build(payment_id, buyer), buyer))->status, 200);
    app_->sandbox()->advance_slots(1);
    const auto confirmed = confirm(payment_id);
    ASSERT_EQ(confirmed["status"], "CONFIRMED");
    auto membership = client_->Get("/v1/memberships/" + confirmed["membership_id"].get<std::string>(), merchant());
    ASSERT_TRUE(membership);
    EXPECT_EQ(json_of(membership)["identity"]["type"], "DISCORD_USER");
    EXPECT_EQ(json_of(membership)["identity"]["value"], "80351110224678912");
    EXPECT_EQ(json_of(membership)["buyer_ref"], "crm-4471");
    EXPECT_EQ(json_of(membership)["buyer_wallet"], wallet_of(buyer).to_base58());

    // Single use.
    auto again = post("/v1/handoff/resolve", {{"token", token}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 409);
    EXPECT_EQ(json_of(again)["error"]["code"], "handoff_used");
    auto reconnect = post("/v1/products/p/" + product["slug"].get<std::string>() + "/connect", {{"handoff_token", token}});
    ASSERT_TRUE(reconnect);
    EXPECT_EQ(reconnect->status, 409);
    EXPECT_EQ(json_of(reconnect)["error"]["code"], "handoff_used");
}

TEST_F(CheckoutSecurityTest, ForgedExpiredAndMisdirectedHandoffTokensAreRefused) {
    const auto product = discord_product();
    const auto other = discord_product();
    const auto token = handoff_link(product["product_id"], discord_buyer())["token"].get<std::string>();
    const auto slug = product["slug"].get<std::string>();
    const auto expect = [&](const std::string& candidate, int status, const std::string& code) {
        auto resolved = post("/v1/handoff/resolve", {{"token", candidate}});
        ASSERT_TRUE(resolved);
        EXPECT_EQ(resolved->status, status) << resolved->body;
        EXPECT_EQ(json_of(resolved)["error"]["code"], code);
        auto connected = post("/v1/products/p/" + slug + "/connect", {{"handoff_token", candidate}});
        ASSERT_TRUE(connected);
        EXPECT_EQ(connected->status, status) << connected->body;
        EXPECT_EQ(json_of(connected)["error"]["code"], code);
    };
    // One changed character in the claims, then in the signature.
    auto claims_flipped = token;
    claims_flipped[10] = claims_flipped[10] == 'A' ? 'B' : 'A';
    expect(claims_flipped, 401, "handoff_invalid");
    auto signature_flipped = token;
    signature_flipped[token.size() - 5] = signature_flipped[token.size() - 5] == 'A' ? 'B' : 'A';
    expect(signature_flipped, 401, "handoff_invalid");
    expect("not-a-token", 401, "handoff_invalid");
    // Well-formed claims signed by a key that is not the server's.
    models::HandoffClaims claims;
    claims.token_id = "hot_forged1";
    claims.product_id = product["product_id"];
    claims.slug = slug;
    claims.buyer_ref = "x";
    claims.identity = {models::IdentityType::DiscordUser, "1", std::nullopt};
    claims.issued_at = models::Timestamp{clock_.now_seconds()};
    claims.expires_at = models::Timestamp{clock_.now_seconds() + 600};
    expect(sign_handoff_token(claims, ed25519_keypair_random()), 401, "handoff_invalid");
    // A genuine token for another product.
    const auto misdirected = handoff_link(other["product_id"], discord_buyer())["token"].get<std::string>();
    auto connected = post("/v1/products/p/" + slug + "/connect", {{"handoff_token", misdirected}});
    ASSERT_TRUE(connected);
    EXPECT_EQ(connected->status, 401);
    EXPECT_EQ(json_of(connected)["error"]["code"], "handoff_invalid");
    // Expired.
    auto body = discord_buyer();
    body["expires_in_seconds"] = 60;
    const auto short_lived = handoff_link(product["product_id"], body)["token"].get<std::string>();
    clock_.advance_ms(61'000);
    expect(short_lived, 410, "handoff_expired");
    // None of this started a session.
    auto trail = client_->Get("/v1/products/" + product["product_id"].get<std::string>() + "/payments", merchant());
    EXPECT_TRUE(json_of(trail)["data"].empty());
}

TEST_F(CheckoutSecurityTest, HandoffLinkRequestsAreValidated) {
    const auto product = discord_product();
    auto wrong_type = discord_buyer();
    wrong_type["identity"] = {{"type", "EMAIL"}, {"value", "owl@example.com"}};
    EXPECT_EQ(handoff_link(product["product_id"], wrong_type, 422)["error"]["field"], "identity.type");
    auto unknown = discord_buyer();
    unknown["status"] = "USED";
    EXPECT_EQ(handoff_link(product["product_id"], unknown, 422)["error"]["code"], "unknown_field");
    auto too_long = discord_buyer();
    too_long["expires_in_seconds"] = 8 * 86400;
    EXPECT_EQ(handoff_link(product["product_id"], too_long, 422)["error"]["code"], "out_of_range");
    EXPECT_EQ(handoff_link("prod_unknown", discord_buyer(), 404)["error"]["code"], "not_found");
    auto archived = client_->Delete("/v1/products/" + product["product_id"].get<std::string>(), merchant());
    ASSERT_TRUE(archived);
    EXPECT_EQ(handoff_link(product["product_id"], discord_buyer(), 410)["error"]["code"], "product_archived");
}

TEST_F(CheckoutSecurityTest, AnotherMerchantsPaymentsReceiptsAndMembershipsAnswer404) {
    const auto product = create_product();
    const auto buyer = new_buyer(kPrice);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    const auto membership_id = confirm(payment_id)["membership_id"].get<std::string>();
    auto other = app_->merchants().create_merchant("Other Guild", clock_.now_seconds());
    ASSERT_TRUE(other);
    const auto theirs = with_key(other->second.secret);
    for (const auto& path : {"/v1/products/" + product["product_id"].get<std::string>() + "/payments",
                             "/v1/payments/" + payment_id + "/receipt", "/v1/memberships/" + membership_id}) {
        auto res = client_->Get(path, theirs);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 404) << path << " " << res->body;
        EXPECT_EQ(json_of(res)["error"]["code"], "not_found");
    }
    auto list = client_->Get("/v1/memberships", theirs);
    ASSERT_TRUE(list);
    EXPECT_TRUE(json_of(list)["data"].empty());
    auto handoff = client_->Post("/v1/products/" + product["product_id"].get<std::string>() + "/handoff-link",
                                 theirs, discord_buyer().dump(), "application/json");
    ASSERT_TRUE(handoff);
    EXPECT_EQ(handoff->status, 404);
    // And without credentials at all.
    auto anonymous = client_->Get("/v1/payments/" + payment_id + "/receipt");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
}

TEST_F(CheckoutSecurityTest, MalformedRequestsGetNamedErrorsNeverACrash) {
    const auto product = create_product();
    const auto slug = product["slug"].get<std::string>();
    const auto payment_id = connect(slug)["payment_id"].get<std::string>();
    struct Case {
        std::string path;
        std::string body;
        std::string content_type;
        int status;
        std::string code;
    };
    const std::vector<Case> cases = {
        {"/v1/products/p/" + slug + "/connect", R"({"status":"CONFIRMED"})", "application/json", 422, "unknown_field"},
        {"/v1/products/p/" + slug + "/connect", R"({"buyer_wallet":"0OIl"})", "application/json", 422, "invalid_base58"},
        {"/v1/products/p/" + slug + "/connect", R"({"route":"CARRIER_PIGEON"})", "application/json", 422, "invalid_enum"},
        {"/v1/products/p/" + slug + "/connect", "{", "application/json", 400, "invalid_json"},
        {"/v1/products/p/" + slug + "/connect", "{}", "text/plain", 415, "unsupported_media_type"},
        {"/v1/products/p/no-such-slug/connect", "{}", "application/json", 404, "not_found"},
        {"/v1/payments/" + payment_id + "/transaction", "{}", "application/json", 422, "missing_field"},
        {"/v1/payments/" + payment_id + "/transaction", R"({"buyer_wallet":7})", "application/json", 422, "wrong_type"},
        {"/v1/payments/" + payment_id + "/broadcast", R"({"signed_transaction":"!!!"})", "application/json", 422, "invalid_base64"},
        {"/v1/payments/" + payment_id + "/broadcast", R"({"signed_transaction":"AAAA"})", "application/json", 422, "malformed_transaction"},
        {"/v1/payments/" + payment_id + "/confirm", R"({"tx_signature":"abc"})", "application/json", 422, "invalid_length"},
        {"/v1/payments/pay_doesnotexist/confirm", "{}", "application/json", 404, "not_found"},
        {"/v1/payments/not-an-id/transaction", "{}", "application/json", 404, "not_found"},
        {"/v1/handoff/resolve", R"({"token":""})", "application/json", 422, "too_short"},
        {"/v1/payments/" + payment_id + "/confirm", std::string(70 * 1024, ' '), "application/json", 413, "payload_too_large"},
    };
    for (const auto& c : cases) {
        auto res = client_->Post(c.path, c.body, c.content_type);
        ASSERT_TRUE(res) << c.path;
        EXPECT_EQ(res->status, c.status) << c.path << " " << c.body.substr(0, 60) << " -> " << res->body;
        EXPECT_EQ(json_of(res)["error"]["code"], c.code) << c.path << " " << c.body.substr(0, 60);
    }
    EXPECT_EQ(status_of(payment_id)["status"], "PENDING_SIGNATURE");
}

TEST_F(CheckoutSecurityTest, OversizedHeadersAndUrisAreRefusedAndTheServerCarriesOn) {
    const auto product = create_product();
    const auto slug = product["slug"].get<std::string>();
    auto huge_header = client_->Get("/v1/products/p/" + slug, {{"X-Padding", std::string(kMaxHeaderLineBytes + 1, 'a')}});
    EXPECT_TRUE(!huge_header || (huge_header->status >= 400 && huge_header->status < 500));
    auto huge_uri = client_->Get("/v1/products/p/" + slug + "?pad=" + std::string(kMaxRequestUriBytes + 1, 'a'));
    EXPECT_TRUE(!huge_uri || (huge_uri->status >= 400 && huge_uri->status < 500));
    httplib::Client fresh("127.0.0.1", port_);
    auto fine = fresh.Get("/v1/products/p/" + slug);
    ASSERT_TRUE(fine);
    EXPECT_EQ(fine->status, 200);
}

TEST_F(CheckoutSecurityTest, ArchivedProductsStartNoSessions) {
    const auto product = create_product();
    auto archived = client_->Delete("/v1/products/" + product["product_id"].get<std::string>(), merchant());
    ASSERT_TRUE(archived);
    auto res = post("/v1/products/p/" + product["slug"].get<std::string>() + "/connect", nlohmann::json::object());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 410);
    EXPECT_EQ(json_of(res)["error"]["code"], "product_archived");
}

TEST_F(CheckoutSecurityTest, PublicRoutesAreRateLimitedPerBuyerBehindALocalProxy) {
    const auto product = create_product();
    const auto payment_id = connect(product["slug"])["payment_id"].get<std::string>();
    const auto poll = [&](const std::string& address) {
        return client_->Get("/v1/payments/" + payment_id, {{"X-Real-IP", address}});
    };
    int allowed = 0;
    int last_status = 0;
    nlohmann::json last_body;
    bool retry_after = false;
    for (int i = 0; i < 100; ++i) {  // the burst is 40 and the clock does not move
        auto res = poll("203.0.113.7");
        ASSERT_TRUE(res);
        last_status = res->status;
        if (res->status != 200) {
            last_body = json_of(res);
            retry_after = res->has_header("Retry-After");
            break;
        }
        ++allowed;
    }
    EXPECT_EQ(allowed, 40);
    EXPECT_EQ(last_status, 429);
    EXPECT_EQ(last_body["error"]["code"], "rate_limited");
    EXPECT_TRUE(retry_after);
    auto other = poll("198.51.100.20");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, 200) << "another buyer behind the same proxy has its own budget";
    auto connect_res = post("/v1/products/p/" + product["slug"].get<std::string>() + "/connect", nlohmann::json::object());
    ASSERT_TRUE(connect_res);
    EXPECT_EQ(connect_res->status, 201) << "the proxy itself (no X-Real-IP) is one more client";
}

}  // namespace
}  // namespace hilt::server
