#include <gtest/gtest.h>

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "http/connection_gate.h"
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

// A raw client socket for what httplib::Client will not send: half a head, nothing at all, a huge head.
class RawClient {
public:
    explicit RawClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~RawClient() { ::close(fd_); }
    bool connected() const { return connected_; }
    bool send(std::string_view bytes) { return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) > 0; }
    // What the server sent within `wait_ms`; closed is set when it closed the connection.
    std::string receive(int wait_ms, bool& closed) {
        std::string got;
        closed = false;
        pollfd fd{fd_, POLLIN, 0};
        while (::poll(&fd, 1, wait_ms) > 0) {
            char chunk[4096];
            const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) {
                closed = true;
                break;
            }
            got.append(chunk, static_cast<std::size_t>(n));
        }
        return got;
    }

private:
    int fd_;
    bool connected_ = false;
};

// Two workers and a one-second head deadline, so that few connections would take every worker.
class GatedServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        HttpLimits limits;
        limits.worker_threads = 2;
        limits.read_timeout_seconds = 1;
        server_ = std::make_unique<HttpServer>(limits);
        server_->route("GET", "/v1/ping", [](const HttpRequest&) { return HttpResponse::json(200, "{}"); });
        server_->route("POST", "/v1/echo", [](const HttpRequest& req) {
            return HttpResponse::json(200, nlohmann::json{{"received", req.body.size()}}.dump());
        });
        auto port = server_->start("127.0.0.1", 0);
        ASSERT_TRUE(port) << describe(port.error());
        port_ = *port;
    }
    void TearDown() override { server_->stop(); }

    std::unique_ptr<HttpServer> server_;
    int port_ = 0;
};

TEST_F(GatedServerTest, ConnectionsTricklingTheirHeadOrIdleHoldNoWorker) {
    std::vector<std::unique_ptr<RawClient>> held;
    for (int i = 0; i < 30; ++i) {
        held.push_back(std::make_unique<RawClient>(port_));
        ASSERT_TRUE(held.back()->connected());
        if (i % 3 == 1) {
            ASSERT_TRUE(held.back()->send("GET /v1/ping HTTP/1.1\r\nHost: x\r\n"));  // half a head
        } else if (i % 3 == 2) {  // a whole head, half a body
            ASSERT_TRUE(held.back()->send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                          "Content-Length: 100\r\n\r\n{\"a\":\""));
        }
    }
    // Without the gate each of these held one of the two workers for seconds; a new client waited.
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(5, 0);
    auto res = client.Get("/v1/ping");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
}

TEST_F(GatedServerTest, AHeadTrickledByteByByteIsClosedAtItsDeadline) {
    RawClient slow(port_);
    ASSERT_TRUE(slow.connected());
    const std::string head = "GET /v1/ping HTTP/1.1\r\nX-Slow: " + std::string(200, 'a');
    bool closed = false;
    // httplib alone restarted its read timeout with every byte: this connection would never end.
    for (std::size_t i = 0; i < head.size() && !closed; ++i) {
        slow.send(head.substr(i, 1));
        slow.receive(100, closed);
    }
    EXPECT_TRUE(closed) << "the server kept a head trickling for 20 s open";
}

TEST_F(GatedServerTest, AKeptAliveConnectionServesItsNextAndPipelinedRequests) {
    RawClient client(port_);
    ASSERT_TRUE(client.connected());
    bool closed = false;
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(client.send("GET /v1/ping HTTP/1.1\r\nHost: x\r\n\r\n"));
        const auto answer = client.receive(300, closed);
        EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
        ASSERT_FALSE(closed);
    }
    // Two pipelined requests in one write are both answered.
    ASSERT_TRUE(client.send("GET /v1/ping HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/ping HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string answers;
    while (!closed && answers.find("HTTP/1.1 200", answers.find("HTTP/1.1 200") + 1) == std::string::npos) {
        const auto more = client.receive(300, closed);
        if (more.empty()) break;
        answers += more;
    }
    EXPECT_NE(answers.find("HTTP/1.1 200", answers.find("HTTP/1.1 200") + 1), std::string::npos) << answers;
}

TEST_F(GatedServerTest, APostWithoutContentLengthHasNoBodyAndIsAnsweredAtOnce) {
    RawClient client(port_);
    ASSERT_TRUE(client.connected());
    // httplib alone read such a body until the client closed, or until a read timed out (then 400).
    ASSERT_TRUE(client.send("POST /v1/echo HTTP/1.1\r\nHost: x\r\n\r\n"));
    bool closed = false;
    const auto answer = client.receive(300, closed);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
    EXPECT_NE(answer.find("{\"received\":0}"), std::string::npos) << answer;
    EXPECT_FALSE(closed);
}

TEST_F(GatedServerTest, AmbiguousBodyFramingIs400AndABodyOverTheLimitIs413WithoutReadingIt) {
    for (const char* head : {"POST /v1/echo HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
                             "POST /v1/echo HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
                             "POST /v1/echo HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"}) {
        RawClient client(port_);
        ASSERT_TRUE(client.connected());
        ASSERT_TRUE(client.send(head));
        bool closed = false;
        const auto answer = client.receive(2000, closed);
        EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << head << answer;
        EXPECT_TRUE(closed);
    }
    for (const char* head : {"POST /v1/echo HTTP/1.1\r\nContent-Length: 1073741824\r\n\r\n",
                             "POST /v1/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n20000\r\n"}) {
        RawClient client(port_);
        ASSERT_TRUE(client.connected());
        ASSERT_TRUE(client.send(head));
        bool closed = false;
        const auto answer = client.receive(2000, closed);
        EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << head << answer;
        EXPECT_NE(answer.find("payload_too_large"), std::string::npos);
    }
    // A chunked body within the limit arrives whole.
    RawClient client(port_);
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.send("POST /v1/echo HTTP/1.1\r\nContent-Type: application/json\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n"));
    ASSERT_TRUE(client.send("4\r\n\":1}\r\n0\r\n\r\n"));
    bool closed = false;
    const auto answer = client.receive(300, closed);
    EXPECT_NE(answer.find("{\"received\":7}"), std::string::npos) << answer;
}

TEST_F(GatedServerTest, AfterARequestItCannotParseTheServerCloses) {
    RawClient client(port_);
    ASSERT_TRUE(client.connected());
    // The rest of the over-long line and the request after it are never read as requests.
    ASSERT_TRUE(client.send("GET /v1/ping HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') +
                            "\r\n\r\nGET /v1/ping HTTP/1.1\r\nHost: x\r\n\r\n"));
    bool closed = false;
    std::string answers;
    while (!closed) {
        const auto more = client.receive(2000, closed);
        if (more.empty() && !closed) break;
        answers += more;
    }
    EXPECT_TRUE(closed);
    EXPECT_EQ(answers.rfind("HTTP/1.1 400", 0), 0u) << answers;
    EXPECT_EQ(answers.find("HTTP/1.1", 1), std::string::npos) << answers;
}

TEST_F(GatedServerTest, AHeadOverTheLimitIs431) {
    RawClient client(port_);
    ASSERT_TRUE(client.connected());
    std::string head = "GET /v1/ping HTTP/1.1\r\n";
    while (head.size() <= kMaxRequestHeadBytes) head += "X-Filler: " + std::string(1000, 'f') + "\r\n";
    client.send(head + "\r\n");
    bool closed = false;
    const auto answer = client.receive(2000, closed);
    EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer.substr(0, 200);
    EXPECT_NE(answer.find("payload_too_large"), std::string::npos);
}

}  // namespace
}  // namespace hilt::server
