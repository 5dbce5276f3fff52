// Product routes and the public checkout payload over real HTTP and SQLite.
#include "money/money.h"
#include "store/sqlite/sqlite_stores.h"
#include "support/fixtures.h"
#include "unit/server/app_harness.h"

namespace hilt::server {
namespace {

class ProductRoutesTest : public test::AppHarness {
protected:
    nlohmann::json product_request() const {
        auto json = nlohmann::json::parse(hilt::test::read_fixture("models/product_request.json"));
        json["membership_config"]["renewal_mode"] = "ONE_OFF";  // this workspace has no subscriptions
        return json;
    }
    nlohmann::json create(const nlohmann::json& body, const httplib::Headers& headers) {
        auto res = client_->Post("/v1/products", headers, body.dump(), "application/json");
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 201) << res->body;
        return json_of(res);
    }
    // What `hiltd merchant subscriptions --id ... on|off` does.
    void set_subscriptions(bool enabled) {
        auto merchant = app_->merchants().set_subscriptions_enabled(merchant_id_, enabled);
        ASSERT_TRUE(merchant) << describe(merchant.error());
        ASSERT_EQ(merchant->subscriptions_enabled, enabled);
    }
    nlohmann::json automatic_request(const std::string& token_mint) const {
        auto body = product_request();
        body["membership_config"]["renewal_mode"] = "AUTOMATIC";
        body["token_mint"] = token_mint;
        return body;
    }
    static std::string usdc_mint() { return money::usdc().mint(money::Cluster::Devnet).to_base58(); }
    static std::string sol_mint() { return money::sol().mint(money::Cluster::Devnet).to_base58(); }
    std::size_t product_count() {
        auto list = client_->Get("/v1/products", merchant());
        EXPECT_TRUE(list);
        return list ? json_of(list)["data"].size() : 0;
    }
};

// A 422 refusing AUTOMATIC because of the asset, naming the field and the reason.
void expect_sol_refusal(const httplib::Result& res) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << res->body;
    const auto error = nlohmann::json::parse(res->body)["error"];
    EXPECT_EQ(error["code"], "invalid_value") << res->body;
    EXPECT_EQ(error["field"], "membership_config.renewal_mode") << res->body;
    EXPECT_NE(error["message"].get<std::string>().find("cannot be delegated"), std::string::npos)
        << res->body;
}

TEST_F(ProductRoutesTest, CreateReturnsTheStoredProductWithIdsSlugAndCheckoutUrl) {
    const auto product = create(product_request(), merchant());
    EXPECT_EQ(product["product_id"].get<std::string>().rfind("prod_", 0), 0u);
    EXPECT_EQ(product["status"], "ACTIVE");
    const auto slug = product["slug"].get<std::string>();
    EXPECT_EQ(slug.rfind("alpha-traders-monthly-access-", 0), 0u) << slug;
    EXPECT_EQ(product["checkout_url"], "http://127.0.0.1:" + std::to_string(port_) + "/p/" + slug);
    EXPECT_EQ(product["delivery_value"], "https://discord.gg/alpha-traders");
    EXPECT_EQ(product["metadata"]["crm_id"], "cus_8841");

    auto read = client_->Get("/v1/products/" + product["product_id"].get<std::string>(), merchant());
    ASSERT_TRUE(read);
    EXPECT_EQ(read->status, 200);
    EXPECT_EQ(json_of(read), product);
}

TEST_F(ProductRoutesTest, MassAssignmentAndBadFieldsAreRefusedAndCreateNothing) {
    auto sets_status = product_request();
    sets_status["status"] = "ARCHIVED";
    auto sets_id = product_request();
    sets_id["product_id"] = "prod_mine";
    auto float_amount = product_request();
    float_amount["amount_minor_units"] = 1.5;
    auto huge_amount = product_request();
    huge_amount["amount_minor_units"] = 9007199254740992;  // 2^53
    auto http_redirect = product_request();
    http_redirect["delivery_type"] = "REDIRECT";
    http_redirect["delivery_value"] = "http://example.com";
    const std::pair<nlohmann::json, std::string> cases[] = {
        {sets_status, "unknown_field"}, {sets_id, "unknown_field"}, {float_amount, "wrong_type"},
        {huge_amount, "out_of_range"}, {http_redirect, "invalid_url"}};
    for (const auto& [body, code] : cases) {
        auto res = client_->Post("/v1/products", merchant(), body.dump(), "application/json");
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 422) << body.dump();
        EXPECT_EQ(json_of(res)["error"]["code"], code) << res->body;
    }
    auto list = client_->Get("/v1/products", merchant());
    ASSERT_TRUE(list);
    EXPECT_TRUE(json_of(list)["data"].empty());
}

TEST_F(ProductRoutesTest, AutomaticRenewalNeedsASubscriptionWorkspace) {
    auto body = product_request();
    body["membership_config"]["renewal_mode"] = "AUTOMATIC";
    auto res = client_->Post("/v1/products", merchant(), body.dump(), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403);
    EXPECT_EQ(json_of(res)["error"]["field"], "membership_config.renewal_mode");
}

TEST_F(ProductRoutesTest, AnEnabledWorkspaceCreatesAutomaticProductsUntilSwitchedOff) {
    const auto body = automatic_request(usdc_mint());
    auto refused = client_->Post("/v1/products", merchant(), body.dump(), "application/json");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403) << refused->body;

    set_subscriptions(true);
    const auto product = create(body, merchant());
    EXPECT_EQ(product["membership_config"]["renewal_mode"], "AUTOMATIC");
    EXPECT_EQ(product["token_mint"], usdc_mint());
    auto one_off = create(product_request(), merchant());
    auto to_automatic = client_->Patch("/v1/products/" + one_off["product_id"].get<std::string>(), merchant(),
                                       nlohmann::json{{"membership_config", body["membership_config"]}}.dump(),
                                       "application/json");
    ASSERT_TRUE(to_automatic);
    EXPECT_EQ(to_automatic->status, 200) << to_automatic->body;

    set_subscriptions(false);
    auto after = client_->Post("/v1/products", merchant(), body.dump(), "application/json");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 403) << "off stops new AUTOMATIC products: " << after->body;
    auto kept = client_->Get("/v1/products/" + product["product_id"].get<std::string>(), merchant());
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->status, 200);
    EXPECT_EQ(json_of(kept)["membership_config"]["renewal_mode"], "AUTOMATIC") << "existing products are kept";
    EXPECT_EQ(product_count(), 2u);
}

TEST_F(ProductRoutesTest, AutomaticRenewalOnSolIsRefusedAndCreatesNothing) {
    set_subscriptions(true);
    expect_sol_refusal(client_->Post("/v1/products", merchant(), automatic_request(sol_mint()).dump(),
                                     "application/json"));
    EXPECT_EQ(product_count(), 0u);

    auto one_off_sol = product_request();
    one_off_sol["token_mint"] = sol_mint();
    EXPECT_EQ(create(one_off_sol, merchant())["token_mint"], sol_mint()) << "SOL with ONE_OFF stays allowed";
    auto disabled_membership = automatic_request(sol_mint());
    disabled_membership["membership_config"]["enabled"] = false;
    create(disabled_membership, merchant());
    EXPECT_EQ(product_count(), 2u);

    set_subscriptions(false);
    auto still = client_->Post("/v1/products", merchant(), automatic_request(sol_mint()).dump(), "application/json");
    ASSERT_TRUE(still);
    EXPECT_EQ(still->status, 422) << "invalid on any workspace: " << still->body;
    EXPECT_EQ(product_count(), 2u);
}

TEST_F(ProductRoutesTest, PatchCannotPairSolWithAutomaticRenewalFromEitherSide) {
    set_subscriptions(true);
    auto patch = [&](const nlohmann::json& product, const nlohmann::json& update) {
        return client_->Patch("/v1/products/" + product["product_id"].get<std::string>(), merchant(), update.dump(),
                              "application/json");
    };
    auto read = [&](const nlohmann::json& product) {
        auto res = client_->Get("/v1/products/" + product["product_id"].get<std::string>(), merchant());
        EXPECT_TRUE(res);
        return json_of(res);
    };
    const auto automatic_config = automatic_request(usdc_mint())["membership_config"];

    // Only membership_config changes: checked against the stored asset (SOL).
    auto sol_product = product_request();
    sol_product["token_mint"] = sol_mint();
    const auto sol = create(sol_product, merchant());
    expect_sol_refusal(patch(sol, {{"membership_config", automatic_config}}));
    EXPECT_EQ(read(sol), sol) << "nothing changed";

    // Only the asset changes: checked against the stored renewal_mode (AUTOMATIC).
    const auto automatic = create(automatic_request(usdc_mint()), merchant());
    expect_sol_refusal(patch(automatic, {{"token_mint", sol_mint()}}));
    EXPECT_EQ(read(automatic), automatic) << "nothing changed";

    // Other fields of an AUTOMATIC USDC product, and both sides changed together, are fine.
    auto retitled = patch(automatic, {{"title", "Renamed monthly pass"}});
    ASSERT_TRUE(retitled);
    EXPECT_EQ(retitled->status, 200) << retitled->body;
    auto one_off_config = automatic_config;
    one_off_config["renewal_mode"] = "ONE_OFF";
    auto to_sol = patch(automatic, {{"token_mint", sol_mint()}, {"membership_config", one_off_config}});
    ASSERT_TRUE(to_sol);
    EXPECT_EQ(to_sol->status, 200) << to_sol->body;
    EXPECT_EQ(json_of(to_sol)["token_mint"], sol_mint());
    auto to_usdc = patch(sol, {{"token_mint", usdc_mint()}, {"membership_config", automatic_config}});
    ASSERT_TRUE(to_usdc);
    EXPECT_EQ(to_usdc->status, 200) << to_usdc->body;
    EXPECT_EQ(json_of(to_usdc)["membership_config"]["renewal_mode"], "AUTOMATIC");
}

TEST_F(ProductRoutesTest, ListIsNewestFirstPaginatedAndFilteredByStatus) {
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        auto body = product_request();
        body["title"] = "Product " + std::to_string(i);
        ids.push_back(create(body, merchant())["product_id"].get<std::string>());
    }
    auto first = client_->Get("/v1/products?limit=2", merchant());
    ASSERT_TRUE(first);
    auto page = json_of(first);
    ASSERT_EQ(page["data"].size(), 2u);
    EXPECT_EQ(page["data"][0]["product_id"], ids[4]);
    EXPECT_EQ(page["data"][1]["product_id"], ids[3]);
    EXPECT_TRUE(page["has_more"].get<bool>());

    auto rest = client_->Get("/v1/products?limit=10&starting_after=" + ids[3], merchant());
    ASSERT_TRUE(rest);
    page = json_of(rest);
    ASSERT_EQ(page["data"].size(), 3u);
    EXPECT_EQ(page["data"][2]["product_id"], ids[0]);
    EXPECT_FALSE(page["has_more"].get<bool>());

    auto archived = client_->Delete("/v1/products/" + ids[1], merchant());
    ASSERT_TRUE(archived);
    EXPECT_EQ(json_of(archived)["status"], "ARCHIVED");
    auto only_archived = client_->Get("/v1/products?status=ARCHIVED", merchant());
    ASSERT_TRUE(only_archived);
    ASSERT_EQ(json_of(only_archived)["data"].size(), 1u);
    EXPECT_EQ(json_of(only_archived)["data"][0]["product_id"], ids[1]);

    for (const char* bad : {"/v1/products?limit=0", "/v1/products?limit=101", "/v1/products?limit=x",
                            "/v1/products?status=GONE", "/v1/products?starting_after=pay_abc"}) {
        auto res = client_->Get(bad, merchant());
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 422) << bad;
    }
}

TEST_F(ProductRoutesTest, PatchChangesOnlyWhatItNamesAndRechecksTheRules) {
    const auto product = create(product_request(), merchant());
    const auto path = "/v1/products/" + product["product_id"].get<std::string>();
    auto patched = client_->Patch(path, merchant(), R"({"amount_minor_units":30000000,"description":null})",
                                  "application/json");
    ASSERT_TRUE(patched);
    ASSERT_EQ(patched->status, 200) << patched->body;
    const auto body = json_of(patched);
    EXPECT_EQ(body["amount_minor_units"], 30000000);
    EXPECT_FALSE(body.contains("description"));
    EXPECT_EQ(body["title"], product["title"]);

    auto broken = client_->Patch(path, merchant(), R"({"delivery_type":"REDIRECT","delivery_value":null})",
                                 "application/json");
    ASSERT_TRUE(broken);
    EXPECT_EQ(broken->status, 422);
    auto unchanged = client_->Get(path, merchant());
    ASSERT_TRUE(unchanged);
    EXPECT_EQ(json_of(unchanged)["delivery_type"], "INVITE_LINK");
}

TEST_F(ProductRoutesTest, AnotherMerchantsProductIsNotFoundEverywhere) {
    const auto product = create(product_request(), merchant());
    const auto path = "/v1/products/" + product["product_id"].get<std::string>();
    auto other = app_->merchants().create_merchant("Other", clock_.now_seconds());
    ASSERT_TRUE(other);
    const auto headers = with_key(other->second.secret);
    auto get = client_->Get(path, headers);
    auto patch = client_->Patch(path, headers, R"({"title":"mine now"})", "application/json");
    auto del = client_->Delete(path, headers);
    for (const auto* res : {&get, &patch, &del}) {
        ASSERT_TRUE(*res);
        EXPECT_EQ((*res)->status, 404);
        EXPECT_EQ((*res)->body.find("Alpha"), std::string::npos) << "nothing of the product leaks";
    }
    auto list = client_->Get("/v1/products", headers);
    ASSERT_TRUE(list);
    EXPECT_TRUE(json_of(list)["data"].empty());
    auto still = client_->Get(path, merchant());
    ASSERT_TRUE(still);
    EXPECT_EQ(json_of(still)["status"], "ACTIVE");
}

TEST_F(ProductRoutesTest, IdempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody) {
    auto headers = merchant();
    headers.emplace("Idempotency-Key", "create-alpha-1");
    const auto body = product_request().dump();
    auto first = client_->Post("/v1/products", headers, body, "application/json");
    auto second = client_->Post("/v1/products", headers, body, "application/json");
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->status, 201);
    EXPECT_EQ(second->status, 201);
    EXPECT_EQ(first->body, second->body);
    EXPECT_EQ(second->get_header_value("Idempotent-Replayed"), "true");

    auto other_body = product_request();
    other_body["title"] = "Something else";
    auto mismatch = client_->Post("/v1/products", headers, other_body.dump(), "application/json");
    ASSERT_TRUE(mismatch);
    EXPECT_EQ(mismatch->status, 409);
    EXPECT_EQ(json_of(mismatch)["error"]["code"], "idempotency_mismatch");

    auto list = client_->Get("/v1/products", merchant());
    ASSERT_TRUE(list);
    EXPECT_EQ(json_of(list)["data"].size(), 1u) << "only one product was created";
}

TEST_F(ProductRoutesTest, PublicPayloadHidesDeliveryAndMetadataAndIsCacheable) {
    const auto product = create(product_request(), merchant());
    const auto path = "/v1/products/p/" + product["slug"].get<std::string>();
    auto res = client_->Get(path);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const auto payload = json_of(res);
    EXPECT_EQ(payload["title"], product["title"]);
    EXPECT_EQ(payload["asset_symbol"], "USDC");
    EXPECT_EQ(payload["decimals"], 6);
    EXPECT_EQ(payload["checkout_config"]["payment_asset"], "USDC");
    EXPECT_FALSE(payload.contains("delivery_value"));
    EXPECT_FALSE(payload.contains("metadata"));
    EXPECT_EQ(res->body.find("discord.gg"), std::string::npos);
    EXPECT_EQ(res->body.find("cus_8841"), std::string::npos);
    EXPECT_NE(res->get_header_value("Cache-Control").find("max-age="), std::string::npos);

    const auto etag = res->get_header_value("ETag");
    ASSERT_FALSE(etag.empty());
    auto cached = client_->Get(path, {{"If-None-Match", etag}});
    ASSERT_TRUE(cached);
    EXPECT_EQ(cached->status, 304);
}

TEST_F(ProductRoutesTest, PublicPayloadShowsAPriceChangeAndAnArchiveAtOnce) {
    const auto product = create(product_request(), merchant());
    const auto path = "/v1/products/p/" + product["slug"].get<std::string>();
    auto before = client_->Get(path);
    ASSERT_TRUE(before);
    ASSERT_EQ(before->status, 200);
    ASSERT_NE(json_of(before)["amount_minor_units"], 30000000);
    // The clock stands still: only the write itself may make the next read differ.
    auto patched = client_->Patch("/v1/products/" + product["product_id"].get<std::string>(), merchant(),
                                  R"({"amount_minor_units":30000000})", "application/json");
    ASSERT_TRUE(patched);
    ASSERT_EQ(patched->status, 200) << patched->body;
    auto after = client_->Get(path);
    ASSERT_TRUE(after);
    EXPECT_EQ(json_of(after)["amount_minor_units"], 30000000);
    EXPECT_NE(after->get_header_value("ETag"), before->get_header_value("ETag"));
    auto stale = client_->Get(path, {{"If-None-Match", before->get_header_value("ETag")}});
    ASSERT_TRUE(stale);
    EXPECT_EQ(stale->status, 200) << "the old ETag no longer matches";

    ASSERT_TRUE(client_->Delete("/v1/products/" + product["product_id"].get<std::string>(), merchant()));
    auto gone = client_->Get(path);
    ASSERT_TRUE(gone);
    EXPECT_EQ(gone->status, 410);
}

TEST_F(ProductRoutesTest, PublicPayloadSeesAnotherProcessWriteWithinASecond) {
    const auto product = create(product_request(), merchant());
    const auto path = "/v1/products/p/" + product["slug"].get<std::string>();
    auto before = client_->Get(path);
    ASSERT_TRUE(before);
    ASSERT_EQ(before->status, 200);
    {
        // Another hiltd on the same file: its write does not move this App's store revision.
        auto other = open_sqlite_stores((dir_ / "hilt.sqlite").string());
        ASSERT_TRUE(other) << describe(other.error());
        models::ProductUpdate update;
        update.amount_minor_units = models::Update<std::int64_t>::set(31000000);
        auto updated = other->products->update(merchant_id_, product["product_id"].get<std::string>(), update,
                                               models::Timestamp{clock_.now_seconds()});
        ASSERT_TRUE(updated) << describe(updated.error());
    }
    clock_.advance_ms(1000);
    auto after = client_->Get(path);
    ASSERT_TRUE(after);
    EXPECT_EQ(json_of(after)["amount_minor_units"], 31000000);
}

TEST_F(ProductRoutesTest, ArchivedProductsAnswer410AndUnknownSlugs404) {
    const auto product = create(product_request(), merchant());
    ASSERT_TRUE(client_->Delete("/v1/products/" + product["product_id"].get<std::string>(), merchant()));
    auto gone = client_->Get("/v1/products/p/" + product["slug"].get<std::string>());
    ASSERT_TRUE(gone);
    EXPECT_EQ(gone->status, 410);
    EXPECT_EQ(json_of(gone)["error"]["code"], "product_archived");
    for (const char* path : {"/v1/products/p/no-such-slug", "/v1/products/p/UPPER", "/v1/products/p/%00"}) {
        auto res = client_->Get(path);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 404) << path;
    }
}

TEST_F(ProductRoutesTest, PublicRoutesAreRateLimitedPerClient) {
    const auto product = create(product_request(), merchant());
    const auto path = "/v1/products/p/" + product["slug"].get<std::string>();
    int ok = 0;
    int limited = 0;
    std::string retry_after;
    for (int i = 0; i < 100; ++i) {
        auto res = client_->Get(path);
        ASSERT_TRUE(res);
        if (res->status == 200) ++ok;
        if (res->status == 429) {
            ++limited;
            retry_after = res->get_header_value("Retry-After");
        }
    }
    // The clock does not move: exactly the burst passes.
    EXPECT_EQ(ok, static_cast<int>(RateLimit{}.burst));
    EXPECT_EQ(limited, 100 - ok);
    EXPECT_EQ(retry_after, "1");
    clock_.advance_ms(1000);
    auto later = client_->Get(path);
    ASSERT_TRUE(later);
    EXPECT_EQ(later->status, 200);
}

}  // namespace
}  // namespace hilt::server
