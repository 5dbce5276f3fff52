#include <gtest/gtest.h>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "http/http_server.h"

namespace hilt::server {
namespace {

class HttpServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        HttpLimits limits;
        limits.max_body_bytes = 1024;
        server_ = std::make_unique<HttpServer>(limits);
        server_->route("GET", "/v1/things/{thing_id}", [](const HttpRequest& req) {
            return HttpResponse::json(
                200, nlohmann::json{{"thing_id", req.path_param("thing_id")},
                                    {"q", req.query_param("q").value_or("")},
                                    {"key", req.header("x-hilt-key").value_or("")}}
                         .dump());
        });
        server_->route("POST", "/v1/things", [](const HttpRequest& req) {
            return HttpResponse::json(201, nlohmann::json{{"received", req.body.size()}}.dump());
        });
        server_->route("GET", "/v1/fail", [](const HttpRequest& req) {
            return HttpResponse::error(fail(ErrorCode::OutOfRange, "too big", "amount_minor_units"),
                                       req.request_id);
        });
        server_->route("GET", "/v1/throw", [](const HttpRequest&) -> HttpResponse {
            throw std::runtime_error("secret database detail");
        });
        auto port = server_->start("127.0.0.1", 0);
        ASSERT_TRUE(port) << describe(port.error());
        client_ = std::make_unique<httplib::Client>("127.0.0.1", *port);
    }
    void TearDown() override { server_->stop(); }

    static nlohmann::json body_of(const httplib::Result& res) {
        return nlohmann::json::parse(res->body, nullptr, false);
    }

    std::unique_ptr<HttpServer> server_;
    std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, RoutesPathParametersQueryAndHeaders) {
    auto res = client_->Get("/v1/things/prod_123?q=hello", {{"X-Hilt-Key", "hk_abc"}});
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    const auto body = body_of(res);
    EXPECT_EQ(body["thing_id"], "prod_123");
    EXPECT_EQ(body["q"], "hello");
    EXPECT_EQ(body["key"], "hk_abc");
}

TEST_F(HttpServerTest, EveryResponseCarriesARequestIdAndSecurityHeaders) {
    for (const char* path : {"/v1/things/x", "/v1/fail", "/nowhere"}) {
        auto res = client_->Get(path);
        ASSERT_TRUE(res) << path;
        const auto id = res->get_header_value("X-Request-Id");
        EXPECT_EQ(id.rfind("req_", 0), 0u) << path << " had request id '" << id << "'";
        EXPECT_EQ(res->get_header_value_count("X-Request-Id"), 1u) << path << ": exactly one";
        EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
        EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY") << path;
        EXPECT_FALSE(res->get_header_value("Content-Security-Policy").empty()) << path;
    }
}

TEST_F(HttpServerTest, HandlerErrorsUseTheContractErrorBody) {
    auto res = client_->Get("/v1/fail");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422);
    const auto body = body_of(res);
    EXPECT_EQ(body["error"]["code"], "out_of_range");
    EXPECT_EQ(body["error"]["field"], "amount_minor_units");
    EXPECT_EQ(body["error"]["request_id"], res->get_header_value("X-Request-Id"));
}

TEST_F(HttpServerTest, UnknownRoutesAre404WithAnErrorBody) {
    auto res = client_->Get("/v1/nothing-here");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
    EXPECT_EQ(body_of(res)["error"]["code"], "not_found");
}

TEST_F(HttpServerTest, OversizedBodiesAre413AndNeverReachTheHandler) {
    auto res = client_->Post("/v1/things", std::string(4096, 'x'), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
    EXPECT_EQ(body_of(res)["error"]["code"], "payload_too_large");
}

TEST_F(HttpServerTest, NonJsonBodiesAre415) {
    auto res = client_->Post("/v1/things", "a=b", "application/x-www-form-urlencoded");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 415);
    EXPECT_EQ(body_of(res)["error"]["code"], "unsupported_media_type");
    auto ok = client_->Post("/v1/things", "{}", "application/json; charset=utf-8");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 201);
}

TEST_F(HttpServerTest, ExceptionsBecomeGeneric500sWithoutTheirText) {
    auto res = client_->Get("/v1/throw");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 500);
    EXPECT_EQ(res->body.find("secret"), std::string::npos) << res->body;
    EXPECT_EQ(body_of(res)["error"]["code"], "internal_error");
    EXPECT_FALSE(res->get_header_value("X-Request-Id").empty());
}

}  // namespace
}  // namespace hilt::server
