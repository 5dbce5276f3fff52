// Bodies hiltd's handlers build go out compressed by hiltd (http/compression.h), in the coding the client
// prefers, never a second time by httplib, and whole whatever Range the client sends. Decoded by httplib's
// client (Debian's brotli and zlib decoders), not by our code.
#include <gtest/gtest.h>

#include <httplib.h>

#include <string>
#include <vector>

#include "http/compression.h"
#include "http/http_server.h"

namespace hilt::server {
namespace {

// ~6 KiB of JSON, repetitive as list answers are.
std::string big_json() {
    std::string body = "{\"data\":[";
    for (int i = 0; i < 60; ++i) {
        if (i > 0) body += ',';
        body += "{\"payment_id\":\"pay_" + std::to_string(100000 + i) + "\",\"status\":\"CONFIRMED\",\"amount\":1250000}";
    }
    return body + "]}";
}

std::string big_page() {
    std::string body = "<!doctype html><title>Not found</title><main>";
    for (int i = 0; i < 40; ++i) body += "<p>This link does not name a product on sale.</p>";
    return body + "</main>";
}

class CompressionTest : public ::testing::Test {
protected:
    void SetUp() override {
        server_ = std::make_unique<HttpServer>();
        server_->route("GET", "/big", [](const HttpRequest&) { return HttpResponse::json(200, big_json()); });
        server_->route("GET", "/small", [](const HttpRequest&) { return HttpResponse::json(200, "{\"ok\":true}"); });
        server_->route("GET", "/missing", [](const HttpRequest&) {
            HttpResponse response;
            response.status = 404;
            response.content_type = "text/html; charset=utf-8";
            response.body = big_page();
            response.headers.emplace_back("Vary", "Sec-Fetch-Site");
            return response;
        });
        server_->route("GET", "/binary", [](const HttpRequest&) {
            HttpResponse response;
            response.content_type = "image/png";
            response.body = std::string(4096, 'x');
            return response;
        });
        auto port = server_->start("127.0.0.1", 0);
        ASSERT_TRUE(port) << describe(port.error());
        port_ = *port;
    }
    void TearDown() override { server_->stop(); }

    // The bytes on the wire, not decoded.
    httplib::Result get_raw(const std::string& path, const std::string& accept_encoding,
                            httplib::Headers extra = {}) {
        httplib::Client client("127.0.0.1", port_);
        client.set_decompress(false);
        extra.emplace("Accept-Encoding", accept_encoding);
        return client.Get(path, extra);
    }

    std::unique_ptr<HttpServer> server_;
    int port_ = 0;
};

TEST_F(CompressionTest, ABodyOfAKibibyteOrMoreGoesOutInTheCodingTheClientPrefers) {
    struct Case {
        const char* accept;
        const char* encoding;
    };
    const std::vector<Case> cases = {
        {"gzip, deflate, br, zstd", "br"},  // what Chromium sends
        {"br", "br"},
        {"*", "br"},
        {"gzip", "gzip"},
        {"br;q=0, gzip", "gzip"},
        {"identity", ""},
        {"", ""},
        {"br;q=0, gzip;q=0", ""},
        {"deflate", ""},
    };
    const auto original = big_json();
    for (const auto& c : cases) {
        auto res = get_raw("/big", c.accept);
        ASSERT_TRUE(res) << c.accept;
        EXPECT_EQ(res->status, 200) << c.accept;
        EXPECT_EQ(res->get_header_value("Content-Encoding"), c.encoding) << c.accept;
        EXPECT_EQ(res->get_header_value_count("Content-Encoding"), std::string(c.encoding).empty() ? 0u : 1u);
        EXPECT_EQ(res->get_header_value("Vary"), "Accept-Encoding") << c.accept;
        EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << c.accept;
        EXPECT_EQ(res->get_header_value("Content-Length"), std::to_string(res->body.size())) << c.accept;
        if (std::string(c.encoding).empty()) {
            EXPECT_EQ(res->body, original) << c.accept;
        } else {
            EXPECT_LT(res->body.size(), original.size() / 4) << c.accept;
        }
    }
    // Decoded by httplib's client (Debian's brotli and zlib): the original text, compressed once.
    httplib::Client decoding("127.0.0.1", port_);
    for (const char* accept : {"br", "gzip"}) {
        auto res = decoding.Get("/big", {{"Accept-Encoding", accept}});
        ASSERT_TRUE(res) << accept;
        EXPECT_EQ(res->body, original) << accept;
    }
}

TEST_F(CompressionTest, SmallOrBinaryBodiesGoOutAsTheyAre) {
    for (const char* path : {"/small", "/binary"}) {
        auto res = get_raw(path, "gzip, deflate, br");
        ASSERT_TRUE(res) << path;
        EXPECT_EQ(res->status, 200) << path;
        EXPECT_FALSE(res->has_header("Content-Encoding")) << path;
        EXPECT_FALSE(res->has_header("Vary")) << path;
    }
    EXPECT_EQ(get_raw("/small", "br")->body, "{\"ok\":true}");
    EXPECT_EQ(get_raw("/binary", "br")->body, std::string(4096, 'x'));
}

TEST_F(CompressionTest, AnErrorPageAHandlerBuiltKeepsItsBodyAndItsVary) {
    auto res = get_raw("/missing", "br");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
    EXPECT_EQ(res->get_header_value("Content-Encoding"), "br");
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(res->get_header_value("Vary"), "Sec-Fetch-Site, Accept-Encoding");
    EXPECT_EQ(res->get_header_value_count("Vary"), 1u);
    httplib::Client decoding("127.0.0.1", port_);
    auto decoded = decoding.Get("/missing", {{"Accept-Encoding", "br"}});
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->status, 404);
    // Not replaced by the error handler's JSON body.
    EXPECT_EQ(decoded->body, big_page());
    // Nor for a client that accepts no coding (nginx asks so), whose body goes out as a plain string.
    auto plain = get_raw("/missing", "");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->status, 404);
    EXPECT_FALSE(plain->has_header("Content-Encoding"));
    EXPECT_EQ(plain->get_header_value("Vary"), "Sec-Fetch-Site, Accept-Encoding");
    EXPECT_EQ(plain->body, big_page());
}

TEST_F(CompressionTest, HeadAnnouncesTheLengthOfTheEncodedBody) {
    auto get = get_raw("/big", "br");
    httplib::Client client("127.0.0.1", port_);
    client.set_decompress(false);
    auto head = client.Head("/big", {{"Accept-Encoding", "br"}});
    ASSERT_TRUE(get && head);
    EXPECT_EQ(head->status, 200);
    EXPECT_TRUE(head->body.empty());
    EXPECT_EQ(head->get_header_value("Content-Encoding"), "br");
    EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(get->body.size()));
}

TEST_F(CompressionTest, ARangeIsIgnoredAndTheWholeBodySent) {
    // httplib sent the range's bytes under the handler's 200 and a Content-Range: a truncated answer that
    // looked whole.
    for (const char* accept : {"identity", "br"}) {
        auto whole = get_raw("/big", accept);
        auto ranged = get_raw("/big", accept, {{"Range", "bytes=0-9"}});
        ASSERT_TRUE(whole && ranged) << accept;
        EXPECT_EQ(ranged->status, 200) << accept;
        EXPECT_FALSE(ranged->has_header("Content-Range")) << accept;
        EXPECT_EQ(ranged->body, whole->body) << accept;
    }
}

TEST(CompressionRules, TextualTypesOfAKibibyteOrMoreVary) {
    EXPECT_TRUE(is_compressible_type("text/html; charset=utf-8"));
    EXPECT_TRUE(is_compressible_type("application/json"));
    EXPECT_TRUE(is_compressible_type("Application/JSON ; charset=utf-8"));
    EXPECT_TRUE(is_compressible_type("image/svg+xml"));
    EXPECT_TRUE(is_compressible_type("application/javascript"));
    EXPECT_FALSE(is_compressible_type("text/event-stream"));
    EXPECT_FALSE(is_compressible_type("application/jsonl"));
    EXPECT_FALSE(is_compressible_type("application/wasm"));
    EXPECT_FALSE(is_compressible_type("image/png"));
    EXPECT_FALSE(is_compressible_type(""));
    EXPECT_TRUE(varies_by_encoding("application/json", kCompressMinBytes));
    EXPECT_FALSE(varies_by_encoding("application/json", kCompressMinBytes - 1));
    EXPECT_EQ(body_encoding("application/json", kCompressMinBytes - 1, "br"), ContentEncoding::Identity);
    EXPECT_EQ(body_encoding("application/json", kCompressMinBytes, "gzip, br"), ContentEncoding::Brotli);
    EXPECT_FALSE(compress_body(ContentEncoding::Identity, "text"));
}

}  // namespace
}  // namespace hilt::server
