// A real hiltd App on a loopback port with a real SQLite file: the auth and API key routes over HTTP.
#include "auth/jwt.h"
#include "unit/server/app_harness.h"

namespace hilt::server {
namespace {

class AppAuthTest : public test::AppHarness {};

TEST_F(AppAuthTest, HealthNeedsNoCredentials) {
    auto res = client_->Get("/v1/health");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(json_of(res)["status"], "ok");
}

TEST_F(AppAuthTest, MerchantRoutesRefuseMissingAndWrongCredentials) {
    for (const auto& headers : {httplib::Headers{}, with_key("hk_nope"), with_key(key_ + "x"),
                                httplib::Headers{{"Authorization", "Bearer abc.def.ghi"}},
                                httplib::Headers{{"Authorization", "Basic Zm9vOmJhcg=="}}}) {
        auto res = client_->Get("/v1/api-keys", headers);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 401);
        EXPECT_EQ(json_of(res)["error"]["code"], "unauthorized");
    }
}

TEST_F(AppAuthTest, AnApiKeyMintsAShortLivedTokenThatWorksUntilItExpires) {
    auto minted = client_->Post("/v1/auth/token", with_key(key_), "", "application/json");
    ASSERT_TRUE(minted);
    ASSERT_EQ(minted->status, 200) << minted->body;
    const auto token = json_of(minted)["token"].get<std::string>();
    const httplib::Headers bearer{{"Authorization", "Bearer " + token}};

    auto listed = client_->Get("/v1/api-keys", bearer);
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->status, 200);
    EXPECT_EQ(json_of(listed)["data"].size(), 1u);

    auto self_extend = client_->Post("/v1/auth/token", bearer, "", "application/json");
    ASSERT_TRUE(self_extend);
    EXPECT_EQ(self_extend->status, 401) << "a token cannot mint another token";

    clock_.advance_ms((kJwtLifetimeSeconds + 1) * 1000);
    auto expired = client_->Get("/v1/api-keys", bearer);
    ASSERT_TRUE(expired);
    EXPECT_EQ(expired->status, 401);
}

TEST_F(AppAuthTest, ATokenEndsWithTheApiKeyThatMintedIt) {
    auto created = client_->Post("/v1/api-keys", with_key(key_), R"({"label":"leaked"})", "application/json");
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
    const auto leaked = json_of(created)["key"].get<std::string>();
    const auto leaked_id = json_of(created)["key_id"].get<std::string>();
    const auto mint = [&](const std::string& key) {
        auto minted = client_->Post("/v1/auth/token", with_key(key), "", "application/json");
        return minted && minted->status == 200 ? json_of(minted)["token"].get<std::string>() : std::string();
    };
    const auto from_leaked = mint(leaked);
    const auto from_other = mint(key_);
    ASSERT_FALSE(from_leaked.empty());
    ASSERT_FALSE(from_other.empty());
    const auto status_with = [&](const std::string& token) {
        auto res = client_->Get("/v1/api-keys", httplib::Headers{{"Authorization", "Bearer " + token}});
        return res ? res->status : 0;
    };
    EXPECT_EQ(status_with(from_leaked), 200);

    auto revoked = client_->Delete("/v1/api-keys/" + leaked_id, with_key(key_));
    ASSERT_TRUE(revoked);
    ASSERT_EQ(revoked->status, 200);
    EXPECT_EQ(status_with(from_leaked), 401) << "a token outlived the revoked key that minted it";
    EXPECT_EQ(status_with(from_other), 200) << "another key's token ends with it";
}

TEST_F(AppAuthTest, KeysAreCreatedShownOnceListedWithoutSecretsAndRevoked) {
    auto created = client_->Post("/v1/api-keys", with_key(key_), R"({"label":"discord bot"})", "application/json");
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
    const auto body = json_of(created);
    const auto new_key = body["key"].get<std::string>();
    const auto key_id = body["key_id"].get<std::string>();
    EXPECT_EQ(body["label"], "discord bot");

    auto listed = client_->Get("/v1/api-keys", with_key(new_key));
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->status, 200);
    EXPECT_EQ(listed->body.find(new_key), std::string::npos) << "listings never contain a full key";
    EXPECT_EQ(listed->body.find(key_), std::string::npos);
    EXPECT_EQ(json_of(listed)["data"].size(), 2u);

    auto revoked = client_->Delete("/v1/api-keys/" + key_id, with_key(key_));
    ASSERT_TRUE(revoked);
    EXPECT_EQ(revoked->status, 200);
    EXPECT_TRUE(json_of(revoked).contains("revoked_at"));
    auto after = client_->Get("/v1/api-keys", with_key(new_key));
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 401);
}

TEST_F(AppAuthTest, BadBodiesAreNamedErrorsAndCreateNothing) {
    const std::pair<const char*, const char*> cases[] = {
        {"{", "invalid_json"},
        {R"({"label":5})", "wrong_type"},
        {R"({"label":"x","merchant_id":"mer_other"})", "unknown_field"},
        {"[1]", "wrong_type"},
        {"{\"label\":\"\xff\"}", "invalid_utf8"},
    };
    for (auto [body, code] : cases) {
        auto res = client_->Post("/v1/api-keys", with_key(key_), body, "application/json");
        ASSERT_TRUE(res);
        EXPECT_GE(res->status, 400) << body;
        EXPECT_EQ(json_of(res)["error"]["code"], code) << body;
    }
    auto listed = client_->Get("/v1/api-keys", with_key(key_));
    ASSERT_TRUE(listed);
    EXPECT_EQ(json_of(listed)["data"].size(), 1u);
}

TEST_F(AppAuthTest, AnotherMerchantsKeyIdIsNotFound) {
    auto other = app_->merchants().create_merchant("Other", clock_.now_seconds());
    ASSERT_TRUE(other);
    auto res = client_->Delete("/v1/api-keys/" + other->second.record.key_id, with_key(key_));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
    auto still = client_->Get("/v1/api-keys", with_key(other->second.secret));
    ASSERT_TRUE(still);
    EXPECT_EQ(still->status, 200);
}

TEST_F(AppAuthTest, KeysAndTheSigningKeySurviveARestart) {
    auto minted = client_->Post("/v1/auth/token", with_key(key_), "", "application/json");
    ASSERT_TRUE(minted);
    const auto token = json_of(minted)["token"].get<std::string>();
    open_app();
    auto& client = *client_;
    auto with_token = client.Get("/v1/api-keys", {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(with_token);
    EXPECT_EQ(with_token->status, 200);
    auto with_api_key = client.Get("/v1/api-keys", with_key(key_));
    ASSERT_TRUE(with_api_key);
    EXPECT_EQ(with_api_key->status, 200);
}

}  // namespace
}  // namespace hilt::server
