// After-sale care over HTTP on a real hiltd with a real SQLite file and the sandbox chain: a buyer
// opens a support case about a payment, its merchant (and no other) lists, reads and closes it,
// sees it on the payment trail and in the events; a merchant reports a delivery that failed or
// supplies a new value, which the buyer then sees.
#include "models/common.h"
#include "unit/server/checkout_harness.h"

namespace hilt::server {
namespace {

class SupportTest : public test::CheckoutHarness {
protected:
    std::string now_text() const {
        return models::format_timestamp(models::Timestamp{clock_.now_seconds()});
    }

    httplib::Result open_case_raw(const std::string& payment_id, const std::string& body,
                                  const httplib::Headers& headers = {}) {
        return client_->Post("/v1/payments/" + payment_id + "/support", headers, body,
                             "application/json");
    }
    nlohmann::json open_case(const std::string& payment_id, const nlohmann::json& body) {
        auto res = open_case_raw(payment_id, body.dump());
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 201) << res->body;
        return json_of(res);
    }
    // GET as this merchant (default: the harness's); answers {status, body}.
    std::pair<int, nlohmann::json> get(const std::string& path, const httplib::Headers& headers) {
        auto res = client_->Get(path, headers);
        EXPECT_TRUE(res);
        if (!res) return {0, {}};
        return {res->status, json_of(res)};
    }
    std::pair<int, nlohmann::json> merchant_post(const std::string& path, const std::string& body,
                                                 httplib::Headers headers) {
        auto res = client_->Post(path, headers, body, "application/json");
        EXPECT_TRUE(res);
        if (!res) return {0, {}};
        return {res->status, json_of(res)};
    }
    std::pair<int, nlohmann::json> close(const std::string& case_id, const nlohmann::json& body) {
        return merchant_post("/v1/support-cases/" + case_id + "/close", body.dump(), merchant());
    }
    std::pair<int, nlohmann::json> deliver(const std::string& payment_id,
                                           const nlohmann::json& body) {
        return merchant_post("/v1/payments/" + payment_id + "/delivery", body.dump(), merchant());
    }
    // A session only (support works for any payment a buyer holds).
    std::string started_payment() {
        const auto product = create_product();
        return connect(product["slug"])["payment_id"].get<std::string>();
    }
    // A CONFIRMED payment of a product created from `body`.
    std::string confirmed_payment(const nlohmann::json& body) {
        const auto product = create_product(body);
        const auto buyer = new_buyer(kPrice);
        const auto payment_id = pay_until_broadcast(product["slug"], buyer);
        app_->sandbox()->advance_slots(1);  // confirmed commitment is one slot behind
        EXPECT_EQ(confirm(payment_id)["status"], "CONFIRMED");
        return payment_id;
    }
    nlohmann::json invite_product() {
        auto body = product_body();
        body["delivery_type"] = "INVITE_LINK";
        body["delivery_value"] = "https://discord.gg/night-owls-old";
        return body;
    }
    nlohmann::json trail_item(const std::string& product_id, const std::string& payment_id) {
        auto [status, trail] = get("/v1/products/" + product_id + "/payments", merchant());
        EXPECT_EQ(status, 200) << trail;
        for (const auto& item : trail["data"]) {
            if (item["payment_id"] == payment_id) return item;
        }
        ADD_FAILURE() << "payment " << payment_id << " is not in the trail " << trail;
        return {};
    }
    nlohmann::json events_of_type(const std::string& type) {
        auto [status, events] = get("/v1/events?type=" + type, merchant());
        EXPECT_EQ(status, 200) << events;
        return events["data"];
    }
};

TEST_F(SupportTest, ABuyerOpensACaseAndItsMerchantListsReadsAndClosesIt) {
    const auto payment_id = started_payment();
    const auto product_id = status_of(payment_id)["product_id"];
    const auto opened =
        open_case(payment_id, {{"message", "I paid but the invite says expired.\nHelp?"},
                               {"contact", "owl@example.com"}});
    const auto case_id = opened["case_id"].get<std::string>();
    EXPECT_EQ(case_id.rfind("sup_", 0), 0u) << case_id;
    EXPECT_EQ(opened, (nlohmann::json{{"case_id", case_id},
                                      {"payment_id", payment_id},
                                      {"product_id", product_id},
                                      {"status", "OPEN"},
                                      {"message", "I paid but the invite says expired.\nHelp?"},
                                      {"contact", "owl@example.com"},
                                      {"created_at", now_text()}}));

    auto [list_status, list] = get("/v1/support-cases", merchant());
    ASSERT_EQ(list_status, 200) << list;
    EXPECT_EQ(list, (nlohmann::json{{"data", {opened}}, {"has_more", false}}));
    auto [one_status, one] = get("/v1/support-cases/" + case_id, merchant());
    ASSERT_EQ(one_status, 200) << one;
    EXPECT_EQ(one, opened);
    EXPECT_EQ(get("/v1/support-cases?status=OPEN&payment_id=" + payment_id, merchant())
                  .second["data"]
                  .size(),
              1u);
    EXPECT_TRUE(get("/v1/support-cases?status=CLOSED", merchant()).second["data"].empty());
    EXPECT_TRUE(get("/v1/support-cases?payment_id=pay_other", merchant()).second["data"].empty());

    clock_.advance_ms(60'000);
    auto [closed_status, closed] =
        close(case_id, {{"resolution", "Sent a fresh invite by e-mail."}});
    ASSERT_EQ(closed_status, 200) << closed;
    auto expected = opened;
    expected["status"] = "CLOSED";
    expected["resolution"] = "Sent a fresh invite by e-mail.";
    expected["closed_at"] = now_text();
    EXPECT_EQ(closed, expected);
    // Closing again changes nothing (the first resolution stays).
    clock_.advance_ms(60'000);
    auto [again_status, again] = close(case_id, {{"resolution", "something else"}});
    EXPECT_EQ(again_status, 200) << again;
    EXPECT_EQ(again, expected);
    auto [bare_status, bare] =
        merchant_post("/v1/support-cases/" + case_id + "/close", "", merchant());
    EXPECT_EQ(bare_status, 200) << bare;
    EXPECT_EQ(bare, expected);
    EXPECT_EQ(get("/v1/support-cases/" + case_id, merchant()).second, expected);
    EXPECT_TRUE(get("/v1/support-cases?status=OPEN", merchant()).second["data"].empty());
    EXPECT_EQ(get("/v1/support-cases?status=CLOSED", merchant()).second["data"][0], expected);
    EXPECT_EQ(get("/v1/support-cases?status=closed", merchant()).first, 422);
}

TEST_F(SupportTest, CasesListNewestFirstInPages) {
    const auto payment_id = started_payment();
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        ids.push_back(open_case(payment_id, {{"message", "case " + std::to_string(i)}})["case_id"]);
    }
    auto [first_status, first] = get("/v1/support-cases?limit=2", merchant());
    ASSERT_EQ(first_status, 200) << first;
    ASSERT_EQ(first["data"].size(), 2u);
    EXPECT_EQ(first["data"][0]["case_id"], ids[2]);
    EXPECT_EQ(first["data"][1]["case_id"], ids[1]);
    EXPECT_TRUE(first["has_more"]);
    auto [rest_status, rest] =
        get("/v1/support-cases?limit=2&starting_after=" + ids[1], merchant());
    ASSERT_EQ(rest_status, 200) << rest;
    ASSERT_EQ(rest["data"].size(), 1u);
    EXPECT_EQ(rest["data"][0]["case_id"], ids[0]);
    EXPECT_FALSE(rest["has_more"]);
}

TEST_F(SupportTest, TheCaseShowsOnTheMerchantsTrailAndNeverOnTheBuyersPaymentRead) {
    const auto product = create_product();
    const auto with_cases = connect(product["slug"])["payment_id"].get<std::string>();
    const auto without = connect(product["slug"])["payment_id"].get<std::string>();
    const auto first = open_case(with_cases, {{"message", "first"}});
    clock_.advance_ms(1'000);
    const auto second = open_case(with_cases, {{"message", "second"}});
    ASSERT_EQ(close(first["case_id"], nlohmann::json::object()).first, 200);

    const auto item = trail_item(product["product_id"], with_cases);
    EXPECT_EQ(item["support_cases"], (nlohmann::json{{{"case_id", second["case_id"]},
                                                      {"status", "OPEN"},
                                                      {"created_at", second["created_at"]}},
                                                     {{"case_id", first["case_id"]},
                                                      {"status", "CLOSED"},
                                                      {"created_at", first["created_at"]}}}))
        << "newest first, with their status now";
    EXPECT_EQ(trail_item(product["product_id"], without)["support_cases"], nlohmann::json::array());

    const auto bought = status_of(with_cases);
    EXPECT_FALSE(bought.contains("support_cases")) << bought;
    const auto checked = confirm(with_cases);
    EXPECT_FALSE(checked.contains("support_cases")) << checked;
    auto session = client_->Get("/v1/payments/" + with_cases + "/session");
    ASSERT_TRUE(session);
    EXPECT_EQ(session->body.find("support_cases"), std::string::npos) << session->body;
    EXPECT_EQ(session->body.find("sup_"), std::string::npos) << session->body;
}

TEST_F(SupportTest, OpeningACaseWritesASupportCaseCreatedEvent) {
    const auto payment_id = started_payment();
    const auto opened = open_case(payment_id, {{"message", "Where is my access?"}});
    const auto events = events_of_type("support.case_created");
    ASSERT_EQ(events.size(), 1u) << events;
    EXPECT_EQ(events[0]["type"], "support.case_created");
    EXPECT_EQ(events[0]["data"], opened);
    EXPECT_EQ(events[0]["created_at"], opened["created_at"]);
    auto [one_status, one] = get("/v1/events/" + events[0]["id"].get<std::string>(), merchant());
    EXPECT_EQ(one_status, 200);
    EXPECT_EQ(one, events[0]);
}

TEST_F(SupportTest, AnotherMerchantsCaseAnswers404LikeAnUnknownOne) {
    const auto payment_id = started_payment();
    const auto case_id =
        open_case(payment_id, {{"message", "hello"}})["case_id"].get<std::string>();
    auto other = app_->merchants().create_merchant("Other Guild", clock_.now_seconds());
    ASSERT_TRUE(other) << describe(other.error());
    const auto theirs = with_key(other->second.secret);

    auto [read_status, read] = get("/v1/support-cases/" + case_id, theirs);
    auto [unknown_status, unknown] =
        get("/v1/support-cases/sup_doesnotexist000000000000", merchant());
    auto [junk_status, junk] = get("/v1/support-cases/pay_" + case_id.substr(4), merchant());
    auto [close_status, closed] =
        merchant_post("/v1/support-cases/" + case_id + "/close", "{}", theirs);
    for (const auto& [status, body] :
         {std::pair{read_status, read}, std::pair{unknown_status, unknown},
          std::pair{junk_status, junk}, std::pair{close_status, closed}}) {
        EXPECT_EQ(status, 404) << body;
        EXPECT_EQ(body["error"]["code"], "not_found");
        EXPECT_EQ(body["error"]["message"], read["error"]["message"]);
    }
    EXPECT_TRUE(get("/v1/support-cases", theirs).second["data"].empty());
    EXPECT_EQ(get("/v1/support-cases?starting_after=" + case_id, theirs).first, 422);
    EXPECT_EQ(get("/v1/support-cases/" + case_id, merchant()).second["status"], "OPEN")
        << "another merchant's close changed nothing";
    EXPECT_EQ(get("/v1/support-cases", {}).first, 401);
    EXPECT_EQ(merchant_post("/v1/support-cases/" + case_id + "/close", "{}", {}).first, 401);
}

TEST_F(SupportTest, BadCaseRequestsAre422AndWriteNothing) {
    const auto payment_id = started_payment();
    struct Case {
        std::string body;
        std::string code;
        std::string field;
    };
    const std::vector<Case> cases = {
        {R"({"message":"hi","status":"CLOSED"})", "unknown_field", "status"},
        {R"({"message":"hi","case_id":"sup_mine"})", "unknown_field", "case_id"},
        {R"({"message":""})", "too_short", "message"},
        {nlohmann::json{{"message", std::string(2001, 'a')}}.dump(), "too_long", "message"},
        {R"({"message":42})", "wrong_type", "message"},
        {R"({"message":["hi"]})", "wrong_type", "message"},
        {R"({})", "missing_field", "message"},
        {R"({"message":null})", "missing_field", "message"},
        {nlohmann::json{{"message", "hi"}, {"contact", std::string(201, 'c')}}.dump(), "too_long",
         "contact"},
        {R"({"message":"hi","contact":7})", "wrong_type", "contact"},
        {R"({"message":"hi","contact":"a\nb"})", "invalid_value", "contact"},
    };
    for (const auto& c : cases) {
        auto res = open_case_raw(payment_id, c.body);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 422) << c.body << " " << res->body;
        EXPECT_EQ(json_of(res)["error"]["code"], c.code) << c.body << " " << res->body;
        EXPECT_EQ(json_of(res)["error"]["field"], c.field) << c.body;
    }
    auto malformed = open_case_raw(payment_id, "{\"message\":");
    ASSERT_TRUE(malformed);
    EXPECT_EQ(malformed->status, 400);
    // Exactly 2000 characters (code points, not bytes) are fine.
    std::string longest;
    for (int i = 0; i < 2000; ++i) longest += "é";
    const auto fits = open_case(payment_id, {{"message", longest}});
    EXPECT_EQ(fits["message"], longest);

    auto unknown = open_case_raw("pay_doesnotexist000000000000", R"({"message":"hi"})");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 404) << unknown->body;
    auto not_an_id = open_case_raw("prod_" + payment_id.substr(4), R"({"message":"hi"})");
    ASSERT_TRUE(not_an_id);
    EXPECT_EQ(not_an_id->status, 404) << not_an_id->body;

    auto [status, list] = get("/v1/support-cases", merchant());
    ASSERT_EQ(status, 200);
    ASSERT_EQ(list["data"].size(), 1u) << "only the valid request wrote a case: " << list;
    EXPECT_EQ(events_of_type("support.case_created").size(), 1u);
}

TEST_F(SupportTest, APaymentHoldsAtMostFiveOpenCasesAndARepeatedKeyOpensOne) {
    const auto payment_id = started_payment();
    const httplib::Headers key{{"Idempotency-Key", "buyer-support-1"}};
    auto first = open_case_raw(payment_id, R"({"message":"help"})", key);
    auto repeat = open_case_raw(payment_id, R"({"message":"help"})", key);
    ASSERT_TRUE(first && repeat);
    EXPECT_EQ(first->status, 201);
    EXPECT_EQ(repeat->status, 201);
    EXPECT_EQ(json_of(repeat), json_of(first));
    EXPECT_EQ(repeat->get_header_value("Idempotent-Replayed"), "true");
    auto reused = open_case_raw(payment_id, R"({"message":"other"})", key);
    ASSERT_TRUE(reused);
    EXPECT_EQ(reused->status, 409);
    EXPECT_EQ(json_of(reused)["error"]["code"], "idempotency_mismatch");

    std::vector<std::string> ids{json_of(first)["case_id"]};
    for (int i = 1; i < 5; ++i)
        ids.push_back(open_case(payment_id, {{"message", "again"}})["case_id"]);
    auto sixth = open_case_raw(payment_id, R"({"message":"and again"})");
    ASSERT_TRUE(sixth);
    EXPECT_EQ(sixth->status, 409) << sixth->body;
    EXPECT_EQ(json_of(sixth)["error"]["code"], "too_many_open_cases");
    EXPECT_EQ(get("/v1/support-cases?payment_id=" + payment_id, merchant()).second["data"].size(),
              5u);
    EXPECT_EQ(events_of_type("support.case_created").size(), 5u);
    // Closing one makes room.
    ASSERT_EQ(close(ids[0], nlohmann::json::object()).first, 200);
    open_case(payment_id, {{"message", "one more"}});
}

TEST_F(SupportTest, AMerchantReportsAFailedDeliveryWithAnEvent) {
    const auto payment_id = confirmed_payment(invite_product());
    clock_.advance_ms(5'000);
    auto [status, payment] =
        deliver(payment_id, {{"status", "FAILED"}, {"reason", "invite expired"}});
    ASSERT_EQ(status, 200) << payment;
    EXPECT_EQ(payment["payment_id"], payment_id);
    EXPECT_EQ(payment["delivery_status"], "FAILED");
    EXPECT_EQ(payment["delivery_failure"], "invite expired");

    const auto events = events_of_type("delivery.failed");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0]["data"]["payment_id"], payment_id);
    EXPECT_EQ(events[0]["data"]["delivery_status"], "FAILED");
    EXPECT_EQ(events[0]["data"]["delivery_failure"], "invite expired");
    EXPECT_EQ(events[0]["data"]["membership_status"], "ACTIVE");
    EXPECT_EQ(events[0]["created_at"], now_text());

    const auto item = trail_item(payment["product_id"], payment_id);
    EXPECT_EQ(item["delivery_status"], "FAILED");
    EXPECT_EQ(item["delivery_failure"], "invite expired");
    const auto buyer_view = status_of(payment_id);
    EXPECT_EQ(buyer_view["delivery_status"], "FAILED");
    EXPECT_FALSE(buyer_view.contains("delivery_failure"))
        << "the merchant's note is not the buyer's";
    const auto confirmed = confirm(payment_id);
    EXPECT_EQ(confirmed["delivery_status"], "FAILED");
    EXPECT_FALSE(confirmed.contains("delivery_failure"));
}

TEST_F(SupportTest, ANewDeliveryValueIsWhatTheBuyerSeesFromThenOn) {
    const auto payment_id = confirmed_payment(invite_product());
    EXPECT_EQ(status_of(payment_id)["delivery_value"], "https://discord.gg/night-owls-old");
    ASSERT_EQ(deliver(payment_id, {{"status", "FAILED"}, {"reason", "invite expired"}}).first, 200);

    auto [status, payment] =
        deliver(payment_id, {{"delivery_value", "https://discord.gg/night-owls-new"}});
    ASSERT_EQ(status, 200) << payment;
    EXPECT_EQ(payment["delivery_status"], "DELIVERED");
    EXPECT_EQ(payment["delivery_value"], "https://discord.gg/night-owls-new");
    EXPECT_FALSE(payment.contains("delivery_failure")) << "recovered: the failure is over";

    const auto buyer_view = status_of(payment_id);
    EXPECT_EQ(buyer_view["delivery_value"], "https://discord.gg/night-owls-new");
    EXPECT_EQ(buyer_view["delivery_status"], "DELIVERED");
    const auto confirmed = confirm(payment_id);
    EXPECT_EQ(confirmed["delivery_value"], "https://discord.gg/night-owls-new");
    EXPECT_EQ(confirmed["delivery_status"], "DELIVERED");
    EXPECT_EQ(trail_item(payment["product_id"], payment_id)["delivery_value"],
              "https://discord.gg/night-owls-new");
    EXPECT_EQ(events_of_type("delivery.failed").size(), 1u) << "a new value is no failure";

    // Not an https link for an INVITE_LINK: refused, nothing changes.
    for (const auto* bad :
         {"http://discord.gg/plain", "discord.gg/no-scheme", "https://user@evil.example/"}) {
        auto [bad_status, error] = deliver(payment_id, {{"delivery_value", bad}});
        EXPECT_EQ(bad_status, 422) << bad << " " << error;
        EXPECT_EQ(error["error"]["code"], "invalid_url") << error;
        EXPECT_EQ(error["error"]["field"], "delivery_value") << error;
    }
    EXPECT_EQ(status_of(payment_id)["delivery_value"], "https://discord.gg/night-owls-new");

    // A MESSAGE product takes any text, several lines included.
    const auto message_payment = confirmed_payment(product_body());
    auto [message_status, message] =
        deliver(message_payment, {{"delivery_value", "New code:\nOWL-2027"}});
    ASSERT_EQ(message_status, 200) << message;
    EXPECT_EQ(status_of(message_payment)["delivery_value"], "New code:\nOWL-2027");
}

TEST_F(SupportTest, DeliveryRecoveryNeedsAConfirmedPaymentThatDeliversSomething) {
    const auto pending = started_payment();
    auto [pending_status, pending_error] =
        deliver(pending, {{"status", "FAILED"}, {"reason", "x"}});
    EXPECT_EQ(pending_status, 409) << pending_error;
    EXPECT_EQ(pending_error["error"]["code"], "payment_not_confirmed");
    EXPECT_EQ(deliver(pending, {{"delivery_value", "Another code"}}).second["error"]["code"],
              "payment_not_confirmed");
    EXPECT_FALSE(status_of(pending).contains("delivery_status"));

    auto none = product_body();
    none["delivery_type"] = "NONE";
    none.erase("delivery_value");
    const auto nothing = confirmed_payment(none);
    for (const auto& body : {nlohmann::json{{"status", "FAILED"}, {"reason", "x"}},
                             nlohmann::json{{"delivery_value", "https://example.com/"}}}) {
        auto [status, error] = deliver(nothing, body);
        EXPECT_EQ(status, 409) << error;
        EXPECT_EQ(error["error"]["code"], "delivery_not_required") << error;
    }
    EXPECT_EQ(status_of(nothing)["delivery_status"], "NOT_REQUIRED");
    EXPECT_TRUE(events_of_type("delivery.failed").empty());

    // Another merchant's payment reads like an unknown one; no credentials is 401.
    const auto paid = confirmed_payment(invite_product());
    auto other = app_->merchants().create_merchant("Other Guild", clock_.now_seconds());
    ASSERT_TRUE(other) << describe(other.error());
    const std::string failed = R"({"status":"FAILED","reason":"x"})";
    auto [theirs_status, theirs] =
        merchant_post("/v1/payments/" + paid + "/delivery", failed, with_key(other->second.secret));
    EXPECT_EQ(theirs_status, 404) << theirs;
    EXPECT_EQ(theirs["error"]["code"], "not_found");
    EXPECT_EQ(
        merchant_post("/v1/payments/pay_doesnotexist000000000000/delivery", failed, merchant())
            .first,
        404);
    EXPECT_EQ(merchant_post("/v1/payments/" + paid + "/delivery", failed, {}).first, 401);
    EXPECT_EQ(status_of(paid)["delivery_status"], "DELIVERED");
}

TEST_F(SupportTest, BadDeliveryRequestsAre422AndWriteNothing) {
    const auto payment_id = confirmed_payment(invite_product());
    struct Case {
        nlohmann::json body;
        std::string code;
        std::string field;
    };
    const std::vector<Case> cases = {
        {nlohmann::json::object(), "missing_field", "status"},
        {{{"status", "DELIVERED"}}, "invalid_value", "status"},
        {{{"status", "failed"}, {"reason", "x"}}, "invalid_enum", "status"},
        {{{"status", "FAILED"}}, "missing_field", "reason"},
        {{{"status", "FAILED"}, {"reason", ""}}, "too_short", "reason"},
        {{{"status", "FAILED"}, {"reason", std::string(501, 'r')}}, "too_long", "reason"},
        {{{"status", "FAILED"}, {"reason", 5}}, "wrong_type", "reason"},
        {{{"status", "FAILED"}, {"reason", "x"}, {"delivery_value", "https://a.example/"}},
         "invalid_value",
         "status"},
        {{{"reason", "x"}, {"delivery_value", "https://a.example/"}}, "invalid_value", "reason"},
        {{{"delivery_value", ""}}, "too_short", "delivery_value"},
        {{{"delivery_value", true}}, "wrong_type", "delivery_value"},
        {{{"delivery_value", "https://a.example/"}, {"delivery_status", "DELIVERED"}},
         "unknown_field",
         "delivery_status"},
    };
    for (const auto& c : cases) {
        auto [status, error] = deliver(payment_id, c.body);
        EXPECT_EQ(status, 422) << c.body << " " << error;
        EXPECT_EQ(error["error"]["code"], c.code) << c.body << " " << error;
        EXPECT_EQ(error["error"]["field"], c.field) << c.body << " " << error;
    }
    const auto buyer_view = status_of(payment_id);
    EXPECT_EQ(buyer_view["delivery_status"], "DELIVERED");
    EXPECT_EQ(buyer_view["delivery_value"], "https://discord.gg/night-owls-old");
    EXPECT_TRUE(events_of_type("delivery.failed").empty());
}

TEST_F(SupportTest, ARepeatedDeliveryReportWithTheSameKeyWritesOneEvent) {
    const auto payment_id = confirmed_payment(invite_product());
    const httplib::Headers key{{"X-Hilt-Key", key_}, {"Idempotency-Key", "bot-report-1"}};
    const std::string body = R"({"status":"FAILED","reason":"invite expired"})";
    auto [first_status, first] =
        merchant_post("/v1/payments/" + payment_id + "/delivery", body, key);
    auto [again_status, again] =
        merchant_post("/v1/payments/" + payment_id + "/delivery", body, key);
    EXPECT_EQ(first_status, 200) << first;
    EXPECT_EQ(again_status, 200) << again;
    EXPECT_EQ(again, first);
    EXPECT_EQ(events_of_type("delivery.failed").size(), 1u);
}

}  // namespace
}  // namespace hilt::server
