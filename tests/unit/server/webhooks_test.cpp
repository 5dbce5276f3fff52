// Webhooks: the Standard Webhooks signatures against the scheme's published test vector, the URL policy
// (SSRF), and over HTTP on a real hiltd (SQLite file, sandbox chain): endpoints, delivery to a receiver on
// loopback, the retry schedule, failure after the last retry, redelivery by hand, secret rotation, and a
// hanging endpoint that holds its own senders only. The independent verification of both signatures (node's
// crypto and tweetnacl) is tests/e2e/webhooks.test.mjs.
#include <httplib.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "encoding/base64.h"
#include "unit/server/checkout_harness.h"
#include "webhooks/signing.h"
#include "webhooks/url_policy.h"

namespace hilt::server {
namespace {

using namespace std::chrono_literals;

// ---- signatures ---------------------------------------------------------------------------------

// The Standard Webhooks specification's own example (standard-webhooks/standard-webhooks, libraries' tests).
constexpr std::string_view kVectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kVectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kVectorTimestamp = 1614265330;
constexpr std::string_view kVectorBody = R"({"test": 2432232314})";
constexpr std::string_view kVectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find(sep, start), text.size());
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

TEST(WebhookSigning, MatchesTheStandardWebhooksVectorAndSignsWithTheWebhookKey) {
    const auto key = ed25519_keypair_random();
    auto header = webhook_signature_header(kVectorId, kVectorTimestamp, kVectorBody, {std::string(kVectorSecret)}, key);
    ASSERT_TRUE(header) << describe(header.error());
    const auto parts = split(*header, ' ');
    ASSERT_EQ(parts.size(), 2u) << *header;
    EXPECT_EQ(parts[0], kVectorSignature);
    ASSERT_TRUE(parts[1].starts_with("v1a,"));
    auto signature = base64_decode(parts[1].substr(4));
    ASSERT_TRUE(signature);
    ASSERT_EQ(signature->size(), 64u);
    Bytes64 sig{};
    std::copy(signature->begin(), signature->end(), sig.begin());
    const auto content = signed_content(kVectorId, kVectorTimestamp, kVectorBody);
    EXPECT_TRUE(ed25519_verify(key.public_key, as_bytes(content), sig));
    // One byte of the body changed: the same signature no longer verifies.
    auto tampered = content;
    tampered.back() = '!';
    EXPECT_FALSE(ed25519_verify(key.public_key, as_bytes(tampered), sig));
}

TEST(WebhookSigning, SignsWithEverySecretInItsOverlapThenWithTheKey) {
    const auto key = ed25519_keypair_random();
    const auto fresh = new_webhook_secret();
    auto header = webhook_signature_header(kVectorId, kVectorTimestamp, kVectorBody,
                                           {fresh, std::string(kVectorSecret)}, key);
    ASSERT_TRUE(header);
    const auto parts = split(*header, ' ');
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_TRUE(parts[0].starts_with("v1,"));
    EXPECT_NE(parts[0], kVectorSignature);
    EXPECT_EQ(parts[1], kVectorSignature);
    EXPECT_TRUE(parts[2].starts_with("v1a,"));
}

// A sender's signer remembers recent v1a signatures: whatever it remembers, every header is the one signing
// afresh makes, and each v1a verifies for its own content only (same id and second, another body included).
TEST(WebhookSigning, ASignerThatRemembersSignaturesGivesTheHeadersSigningAfreshGives) {
    const auto key = ed25519_keypair_random();
    WebhookSigner signer(key);
    const std::vector<std::string> secrets{std::string(kVectorSecret)};
    std::vector<std::pair<std::string, std::int64_t>> sent;  // (body, timestamp)
    for (int i = 0; i < 12; ++i) sent.emplace_back("{\"n\":" + std::to_string(i) + "}", kVectorTimestamp);
    sent.emplace_back(kVectorBody, kVectorTimestamp);
    sent.emplace_back(kVectorBody, kVectorTimestamp + 1);
    for (int round = 0; round < 2; ++round) {
        for (const auto& [body, timestamp] : sent) {
            auto remembered = signer.header(kVectorId, timestamp, body, secrets);
            auto fresh = webhook_signature_header(kVectorId, timestamp, body, secrets, key);
            ASSERT_TRUE(remembered && fresh);
            EXPECT_EQ(*remembered, *fresh) << body;
            const auto parts = split(*remembered, ' ');
            ASSERT_EQ(parts.size(), 2u);
            auto signature = base64_decode(parts[1].substr(4));
            ASSERT_TRUE(signature && signature->size() == 64u);
            Bytes64 sig{};
            std::copy(signature->begin(), signature->end(), sig.begin());
            EXPECT_TRUE(ed25519_verify(key.public_key, as_bytes(signed_content(kVectorId, timestamp, body)), sig));
            EXPECT_FALSE(ed25519_verify(key.public_key, as_bytes(signed_content(kVectorId, timestamp, body + " ")), sig));
        }
    }
    // The same content twice in a row: the second header is remembered, and still the same.
    EXPECT_EQ(*signer.header(kVectorId, kVectorTimestamp, kVectorBody, secrets),
              *signer.header(kVectorId, kVectorTimestamp, kVectorBody, secrets));
}

TEST(WebhookSigning, NewSecretsAreDistinctAndMalformedOnesAreRefused) {
    const auto a = new_webhook_secret();
    EXPECT_NE(a, new_webhook_secret());
    auto key = webhook_secret_key(a);
    ASSERT_TRUE(key);
    EXPECT_EQ(key->size(), kWebhookSecretBytes);
    EXPECT_FALSE(webhook_secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));  // no prefix
    EXPECT_FALSE(webhook_secret_key("whsec_not base64!"));
    EXPECT_FALSE(webhook_secret_key("whsec_AAAA"));  // 3 bytes
}

// ---- URL policy ---------------------------------------------------------------------------------

// The policy's verdict on `url`, as creating an endpoint reaches it: form, then the resolved addresses.
Status verdict(std::string_view url, bool allow_loopback) {
    auto target = parse_webhook_url(url, allow_loopback);
    if (!target) return target.error();
    auto address = resolve_webhook_target(*target, allow_loopback);
    if (!address) return address.error();
    return {};
}

TEST(WebhookUrlPolicy, RefusesPrivateLoopbackLinkLocalAndMetadataAddressesInEveryForm) {
    for (const char* url : {
             "https://127.0.0.1/hook", "https://127.1.2.3:8443/hook", "https://localhost/hook",
             "https://api.localhost/hook", "https://[::1]/hook", "https://[::ffff:127.0.0.1]/hook",
             "https://[::ffff:a9fe:a9fe]/hook", "https://[64:ff9b::a9fe:a9fe]/hook", "https://0.0.0.0/hook",
             "https://10.1.2.3/hook", "https://172.16.0.1/hook", "https://172.31.255.255/hook",
             "https://192.168.1.10/hook", "https://100.64.0.1/hook", "https://169.254.169.254/latest/meta-data",
             "https://[fe80::1]/hook", "https://[fd00:ec2::254]/hook", "https://[fc00::1]/hook",
             "https://224.0.0.1/hook", "https://255.255.255.255/hook", "https://metadata.google.internal/x",
             "https://metadata/x", "https://printer.local/x",
             // Numeric forms getaddrinfo reads as 127.0.0.1 and 169.254.169.254.
             "https://2130706433/hook", "https://0x7f000001/hook", "https://0251.0376.0251.0376/hook",
         }) {
        const auto status = verdict(url, false);
        ASSERT_FALSE(status) << url;
        EXPECT_EQ(status.error().code, ErrorCode::UrlNotAllowed) << url << ": " << describe(status.error());
        EXPECT_EQ(status.error().field, "url");
    }
}

TEST(WebhookUrlPolicy, RefusesWhatIsNotAPlainHttpsUrl) {
    for (const char* url : {"http://93.184.216.34/hook", "ftp://example.com/x", "https://user:pw@example.com/x",
                            "https://example.com/x#frag", "https:///x", "https://example.com:0/x",
                            "https://example.com:99999/x", "https://exa mple.com/x", "https://example.com\\@evil/x",
                            "example.com/x"}) {
        const auto status = parse_webhook_url(url, false);
        ASSERT_FALSE(status) << url;
        EXPECT_EQ(status.error().code, ErrorCode::InvalidUrl) << url;
    }
}

TEST(WebhookUrlPolicy, AcceptsPublicHttpsAndPinsTheCheckedAddress) {
    auto target = parse_webhook_url("https://93.184.216.34:8443/hooks/hilt?tenant=7", false);
    ASSERT_TRUE(target) << describe(target.error());
    EXPECT_TRUE(target->https);
    EXPECT_EQ(target->host, "93.184.216.34");
    EXPECT_EQ(target->port, 8443);
    EXPECT_EQ(target->path, "/hooks/hilt?tenant=7");
    auto address = resolve_webhook_target(*target, false);
    ASSERT_TRUE(address);
    EXPECT_EQ(*address, "93.184.216.34");
    auto named = parse_webhook_url("https://Hooks.Example.COM./in", false);
    ASSERT_TRUE(named);
    EXPECT_EQ(named->host, "hooks.example.com");
    EXPECT_EQ(named->port, 443);
    EXPECT_TRUE(webhook_address_allowed("2606:2800:220:1:248:1893:25c8:1946", false));
}

TEST(WebhookUrlPolicy, TheLoopbackFlagAllowsThisMachineOnlyOverHttpToo) {
    EXPECT_TRUE(verdict("http://127.0.0.1:9000/hook", true));
    EXPECT_TRUE(verdict("http://localhost:9000/hook", true));
    EXPECT_TRUE(verdict("https://[::1]:9000/hook", true));
    EXPECT_FALSE(verdict("http://93.184.216.34/hook", true));  // http only to loopback
    EXPECT_FALSE(verdict("https://10.0.0.1/hook", true));
    EXPECT_FALSE(verdict("https://169.254.169.254/hook", true));
}

// ---- over HTTP ----------------------------------------------------------------------------------

// A receiver on loopback: records every delivery; answers `status` (500 for the first `fail_first`), or holds
// requests to "/hang" until released.
class Receiver {
public:
    struct Delivery {
        std::string path;
        std::string id;
        std::string timestamp;
        std::string signature;
        std::string body;
        int answered = 0;
        int remote_port = 0;  // one per connection
    };

    Receiver() {
        const auto handle = [this](const httplib::Request& req, httplib::Response& res) {
            std::unique_lock lock(mutex_);
            Delivery d{req.path, req.get_header_value("webhook-id"), req.get_header_value("webhook-timestamp"),
                       req.get_header_value("webhook-signature"), req.body, 0, req.remote_port};
            if (req.path == "/slow") {
                max_in_progress_ = std::max(max_in_progress_, ++in_progress_);
                lock.unlock();
                std::this_thread::sleep_for(50ms);
                lock.lock();
                --in_progress_;
                d.answered = 200;
            } else if (req.path == "/hang") {
                ++hanging_;
                changed_.notify_all();
                changed_.wait(lock, [this] { return released_; });
                --hanging_;
                d.answered = 200;
            } else {
                d.answered = served_ < fail_first_ ? 500 : 200;
                ++served_;
            }
            log_.push_back(d);
            res.status = d.answered;
            res.set_content(d.answered == 200 ? R"({"ok":true})" : R"({"error":"try later"})", "application/json");
            changed_.notify_all();
        };
        server_.Post("/hook", handle);
        server_.Post("/other", handle);
        server_.Post("/hang", handle);
        server_.Post("/slow", handle);
        server_.new_task_queue = [] { return new httplib::ThreadPool(16); };
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        // Bound and listening already: connections wait in the backlog until the accept loop runs.
        for (int i = 0; i < 2'000 && !server_.is_running(); ++i) std::this_thread::sleep_for(1ms);
    }
    ~Receiver() {
        release();
        server_.stop();
        thread_.join();
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    // How long the receiver keeps an idle connection open before closing it (without telling the sender).
    void keep_alive_timeout(std::chrono::seconds timeout) { server_.set_keep_alive_timeout(timeout.count()); }
    void fail_first(int n) {
        std::lock_guard lock(mutex_);
        fail_first_ = served_ + n;
    }
    void release() {
        std::lock_guard lock(mutex_);
        released_ = true;
        changed_.notify_all();
    }
    std::vector<Delivery> log() {
        std::lock_guard lock(mutex_);
        return log_;
    }
    std::vector<Delivery> on(const std::string& path) {
        std::vector<Delivery> out;
        for (auto& d : log()) {
            if (d.path == path) out.push_back(d);
        }
        return out;
    }
    int hanging() {
        std::lock_guard lock(mutex_);
        return hanging_;
    }
    // The most requests to "/slow" (each answered after 50 ms) that were in progress at once.
    int max_in_progress() {
        std::lock_guard lock(mutex_);
        return max_in_progress_;
    }

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Delivery> log_;
    int served_ = 0;
    int fail_first_ = 0;
    int hanging_ = 0;
    int in_progress_ = 0;
    int max_in_progress_ = 0;
    bool released_ = false;
};

class WebhooksTest : public test::CheckoutHarness {
protected:
    void configure(ServerConfig& config) override {
        config.webhooks.allow_loopback = true;
        config.webhooks.retry_delays = {1s, 2s, 4s};  // on the manual clock: tests advance it
        config.webhooks.poll_interval = 10ms;
        config.webhooks.timeout = 30s;
        config.public_rate_limit.refill_per_second = 0;  // one test client pays for dozens of checkouts
    }

    nlohmann::json create_endpoint(const std::string& url, const nlohmann::json& events = {"payment.confirmed"}) {
        auto res = client_->Post("/v1/webhook-endpoints", merchant(),
                                 nlohmann::json{{"url", url}, {"events", events}}.dump(), "application/json");
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 201) << res->body;
        return json_of(res);
    }
    // A confirmed payment of a fresh buyer; returns its payment.confirmed event's id.
    std::string confirmed_payment_event() {
        const auto product = create_product();
        const auto payment_id = pay_until_broadcast(product["slug"], new_buyer(kPrice));
        app_->sandbox()->advance_slots(1);
        EXPECT_EQ(confirm(payment_id)["status"], "CONFIRMED");
        auto events = client_->Get("/v1/events?type=payment.confirmed&limit=1", merchant());
        EXPECT_TRUE(events);
        return json_of(events)["data"][0]["id"].get<std::string>();
    }
    nlohmann::json deliveries(const std::string& event_id) {
        auto res = client_->Get("/v1/events/" + event_id + "/deliveries", merchant());
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        return json_of(res)["data"];
    }
    // Waits (moving the manual clock on by `step` each round) until `done`.
    template <typename Done>
    bool wait_until(Done done, std::chrono::milliseconds step = 0ms) {
        for (int i = 0; i < 1000; ++i) {
            if (done()) return true;
            clock_.advance_ms(step.count());
            std::this_thread::sleep_for(10ms);
        }
        return done();
    }
    // Four events delivered to "/slow" (50 ms a request), then redelivered at once: a burst of four. Returns the
    // events' ids once all eight deliveries have arrived.
    std::vector<std::string> burst_to_slow_receiver() {
        create_endpoint(receiver_.url("/slow"));
        std::vector<std::string> events;
        for (int i = 0; i < 4; ++i) events.push_back(confirmed_payment_event());
        EXPECT_TRUE(wait_until([&] { return receiver_.on("/slow").size() == events.size(); }));
        for (const auto& id : events) {
            auto again = client_->Post("/v1/events/" + id + "/redeliver", merchant(), "{}", "application/json");
            EXPECT_EQ(again->status, 202) << again->body;
        }
        EXPECT_TRUE(wait_until([&] { return receiver_.on("/slow").size() == 2 * events.size(); }));
        return events;
    }
    static bool hmac_verifies(const Receiver::Delivery& d, const std::string& secret) {
        auto key = webhook_secret_key(secret);
        if (!key) return false;
        const auto expected = "v1," + base64_encode(hmac_sha256(*key, as_bytes(signed_content(d.id, std::stoll(d.timestamp), d.body))));
        for (const auto& part : split(d.signature, ' ')) {
            if (part == expected) return true;
        }
        return false;
    }

    Receiver receiver_;
};

TEST_F(WebhooksTest, EndpointsAreCreatedWithASecretShownOnceListedReadAndDeleted) {
    const auto created = create_endpoint(receiver_.url("/hook"), {"payment.confirmed", "receipt.created"});
    const auto id = created["id"].get<std::string>();
    EXPECT_TRUE(id.starts_with("we_"));
    EXPECT_TRUE(created["secret"].get<std::string>().starts_with("whsec_"));
    EXPECT_EQ(created["events"], nlohmann::json({"payment.confirmed", "receipt.created"}));

    auto list = client_->Get("/v1/webhook-endpoints", merchant());
    ASSERT_EQ(list->status, 200);
    const auto page = json_of(list);
    ASSERT_EQ(page["data"].size(), 1u);
    EXPECT_EQ(page["data"][0]["id"], id);
    EXPECT_FALSE(page["data"][0].contains("secret"));
    auto read = client_->Get("/v1/webhook-endpoints/" + id, merchant());
    ASSERT_EQ(read->status, 200);
    EXPECT_FALSE(json_of(read).contains("secret"));

    // Another merchant sees nothing of it.
    auto other = app_->merchants().create_merchant("Other", clock_.now_seconds());
    ASSERT_TRUE(other);
    EXPECT_EQ(client_->Get("/v1/webhook-endpoints/" + id, with_key(other->second.secret))->status, 404);
    EXPECT_EQ(client_->Delete("/v1/webhook-endpoints/" + id, with_key(other->second.secret))->status, 404);
    EXPECT_EQ(json_of(client_->Get("/v1/webhook-endpoints", with_key(other->second.secret)))["data"].size(), 0u);

    auto deleted = client_->Delete("/v1/webhook-endpoints/" + id, merchant());
    ASSERT_EQ(deleted->status, 200) << deleted->body;
    EXPECT_EQ(client_->Get("/v1/webhook-endpoints/" + id, merchant())->status, 404);
    EXPECT_EQ(client_->Delete("/v1/webhook-endpoints/" + id, merchant())->status, 404);
}

TEST_F(WebhooksTest, BadEndpointRequestsAreRefusedAndCreateNothing) {
    const auto post = [&](const std::string& body) {
        return client_->Post("/v1/webhook-endpoints", merchant(), body, "application/json");
    };
    const auto url = receiver_.url("/hook");
    struct Case {
        std::string body;
        std::string code;
    };
    for (const auto& c : std::vector<Case>{
             {R"({"url":")" + url + R"(","events":[]})", "invalid_value"},
             {R"({"url":")" + url + R"(","events":["payment.confirmed","payment.confirmed"]})", "invalid_value"},
             {R"({"url":")" + url + R"(","events":["payment.exploded"]})", "invalid_enum"},
             {R"({"url":")" + url + R"(","events":"payment.confirmed"})", "wrong_type"},
             {R"({"url":")" + url + R"(","events":["payment.confirmed"],"secret":"whsec_mine"})", "unknown_field"},
             {R"({"events":["payment.confirmed"]})", "missing_field"},
             {R"({"url":"https://10.0.0.7/hook","events":["payment.confirmed"]})", "url_not_allowed"},
             {R"({"url":"ftp://example.com/","events":["payment.confirmed"]})", "invalid_url"},
             {R"({"url":)", "invalid_json"},
         }) {
        auto res = post(c.body);
        ASSERT_TRUE(res);
        EXPECT_EQ(json_of(res)["error"]["code"], c.code) << c.body << " -> " << res->body;
    }
    EXPECT_EQ(json_of(client_->Get("/v1/webhook-endpoints", merchant()))["data"].size(), 0u);
}

TEST_F(WebhooksTest, AConfirmedPaymentIsDeliveredSignedWithTheEventIdAndLogged) {
    const auto endpoint = create_endpoint(receiver_.url("/hook"));
    const auto event_id = confirmed_payment_event();
    ASSERT_TRUE(wait_until([&] { return receiver_.on("/hook").size() == 1; }));
    const auto got = receiver_.on("/hook")[0];
    EXPECT_EQ(got.id, event_id);
    const auto body = nlohmann::json::parse(got.body);
    EXPECT_EQ(body["id"], event_id);
    EXPECT_EQ(body["type"], "payment.confirmed");
    EXPECT_TRUE(hmac_verifies(got, endpoint["secret"]));
    EXPECT_FALSE(hmac_verifies(got, new_webhook_secret()));
    // The body is the event exactly as the catch-up read shows it.
    auto read = client_->Get("/v1/events/" + event_id, merchant());
    EXPECT_EQ(nlohmann::json::parse(read->body), body);

    ASSERT_TRUE(wait_until([&] { return deliveries(event_id)[0]["status"] == "DELIVERED"; }));
    const auto logged = deliveries(event_id);
    ASSERT_EQ(logged.size(), 1u);
    EXPECT_EQ(logged[0]["endpoint_id"], endpoint["id"]);
    ASSERT_EQ(logged[0]["attempts"].size(), 1u);
    EXPECT_EQ(logged[0]["attempts"][0]["status_code"], 200);
    EXPECT_EQ(logged[0]["attempts"][0]["response_excerpt"], R"({"ok":true})");
}

TEST_F(WebhooksTest, FailuresRetryOnTheScheduleWithTheSameIdThenFailAndCanBeRedeliveredByHand) {
    create_endpoint(receiver_.url("/hook"));
    receiver_.fail_first(100);
    const auto event_id = confirmed_payment_event();
    // Four attempts (at once, then after 1, 2 and 4 s of the manual clock, each jittered down by ≤ 25 %).
    ASSERT_TRUE(wait_until([&] { return deliveries(event_id)[0]["status"] == "FAILED"; }, 250ms));
    auto logged = deliveries(event_id)[0];
    ASSERT_EQ(logged["attempts"].size(), 4u) << logged.dump();
    for (const auto& attempt : logged["attempts"]) EXPECT_EQ(attempt["status_code"], 500);
    const auto got = receiver_.on("/hook");
    ASSERT_EQ(got.size(), 4u);
    for (const auto& d : got) EXPECT_EQ(d.id, event_id);
    EXPECT_FALSE(logged.contains("next_attempt_at"));

    // By hand: a new schedule, due at once; the receiver is well again.
    receiver_.fail_first(0);
    auto again = client_->Post("/v1/events/" + event_id + "/redeliver", merchant(), "{}", "application/json");
    ASSERT_EQ(again->status, 202) << again->body;
    ASSERT_TRUE(wait_until([&] { return deliveries(event_id)[0]["status"] == "DELIVERED"; }));
    logged = deliveries(event_id)[0];
    EXPECT_EQ(logged["attempts"].size(), 5u);
    EXPECT_EQ(logged["attempts"][4]["status_code"], 200);
    EXPECT_EQ(receiver_.on("/hook").back().id, event_id);

    // Redelivery of another merchant's event, or to an unknown endpoint, is 404.
    auto other = app_->merchants().create_merchant("Other", clock_.now_seconds());
    EXPECT_EQ(client_->Post("/v1/events/" + event_id + "/redeliver", with_key(other->second.secret), "{}",
                            "application/json")->status, 404);
    EXPECT_EQ(client_->Post("/v1/events/" + event_id + "/redeliver", merchant(),
                            R"({"endpoint_id":"we_0000000000000000000000"})", "application/json")->status, 404);
}

// Redeliveries by hand add their attempts to the log without bound: the list shows each delivery's latest
// kWebhookAttemptsListed, oldest first, and counts them all.
TEST_F(WebhooksTest, TheDeliveryLogListsTheLatestAttemptsAndCountsThemAll) {
    create_endpoint(receiver_.url("/hook"));
    receiver_.fail_first(1000);
    const auto event_id = confirmed_payment_event();
    nlohmann::json first_schedule;
    // Six schedules of four failed attempts (at once, then after 1, 2 and 4 s of the manual clock): 24.
    for (int schedule = 0; schedule < 6; ++schedule) {
        if (schedule > 0) {
            auto again = client_->Post("/v1/events/" + event_id + "/redeliver", merchant(), "{}", "application/json");
            ASSERT_EQ(again->status, 202) << again->body;
        }
        const auto total = static_cast<std::size_t>(4 * (schedule + 1));
        ASSERT_TRUE(wait_until([&] {
            const auto d = deliveries(event_id)[0];
            return d["status"] == "FAILED" && d["attempts_total"] == total;
        }, 250ms)) << deliveries(event_id).dump();
        if (schedule == 0) first_schedule = deliveries(event_id)[0]["attempts"];
    }
    const auto logged = deliveries(event_id)[0];
    EXPECT_EQ(logged["attempts_total"], 24);
    EXPECT_EQ(logged["attempt_count"], 4) << "the current schedule's";
    ASSERT_EQ(logged["attempts"].size(), models::kWebhookAttemptsListed);
    ASSERT_EQ(receiver_.on("/hook").size(), 24u);
    // The latest ones, oldest first: none of the first schedule's (its last came 5 s or more after its first).
    ASSERT_EQ(first_schedule.size(), 4u);
    EXPECT_GE(logged["attempts"][0]["attempted_at"].get<std::string>(),
              first_schedule[3]["attempted_at"].get<std::string>());
    for (std::size_t i = 1; i < logged["attempts"].size(); ++i) {
        EXPECT_LE(logged["attempts"][i - 1]["attempted_at"].get<std::string>(),
                  logged["attempts"][i]["attempted_at"].get<std::string>());
    }
    // A fresh event's log is whole.
    receiver_.fail_first(0);
    const auto fresh = confirmed_payment_event();
    ASSERT_TRUE(wait_until([&] { return deliveries(fresh)[0]["status"] == "DELIVERED"; }));
    EXPECT_EQ(deliveries(fresh)[0]["attempts_total"], 1);
    EXPECT_EQ(deliveries(fresh)[0]["attempts"].size(), 1u);
}

// A redelivery asked for while the schedule's first attempt is still in flight starts a new schedule: that attempt
// is logged when it ends, and the event is sent again (it used to settle the new schedule too: 202, then nothing).
TEST_F(WebhooksTest, ARedeliveryAskedForWhileAnAttemptIsInFlightIsSentAfterIt) {
    create_endpoint(receiver_.url("/hang"));
    const auto event_id = confirmed_payment_event();
    ASSERT_TRUE(wait_until([&] { return receiver_.hanging() == 1; }));
    auto again = client_->Post("/v1/events/" + event_id + "/redeliver", merchant(), "{}", "application/json");
    ASSERT_EQ(again->status, 202) << again->body;
    receiver_.release();
    ASSERT_TRUE(wait_until([&] { return receiver_.on("/hang").size() == 2; }));
    ASSERT_TRUE(wait_until([&] { return deliveries(event_id)[0]["status"] == "DELIVERED"; }));
    const auto logged = deliveries(event_id)[0];
    ASSERT_EQ(logged["attempts"].size(), 2u) << logged.dump();
    for (const auto& d : receiver_.on("/hang")) EXPECT_EQ(d.id, event_id);
}

TEST_F(WebhooksTest, ARotatedSecretKeepsSigningForItsOverlapOnly) {
    const auto endpoint = create_endpoint(receiver_.url("/hook"));
    const auto old_secret = endpoint["secret"].get<std::string>();
    const auto path = "/v1/webhook-endpoints/" + endpoint["id"].get<std::string>() + "/rotate-secret";
    auto rotated = client_->Post(path, merchant(), R"({"expires_in_seconds":3600})", "application/json");
    ASSERT_EQ(rotated->status, 200) << rotated->body;
    const auto new_secret = json_of(rotated)["secret"].get<std::string>();
    EXPECT_NE(new_secret, old_secret);
    EXPECT_EQ(json_of(rotated)["previous_secret_expires_at"],
              models::format_timestamp(models::Timestamp{clock_.now_seconds() + 3600}));

    confirmed_payment_event();
    ASSERT_TRUE(wait_until([&] { return receiver_.on("/hook").size() == 1; }));
    auto got = receiver_.on("/hook")[0];
    EXPECT_TRUE(hmac_verifies(got, new_secret));
    EXPECT_TRUE(hmac_verifies(got, old_secret));

    // After the overlap only the new secret signs.
    clock_.advance_ms(3601 * 1000);
    confirmed_payment_event();
    ASSERT_TRUE(wait_until([&] { return receiver_.on("/hook").size() == 2; }));
    got = receiver_.on("/hook")[1];
    EXPECT_TRUE(hmac_verifies(got, new_secret));
    EXPECT_FALSE(hmac_verifies(got, old_secret));
    EXPECT_EQ(split(got.signature, ' ').size(), 2u);  // one v1, one v1a
}

// The outbox is read for keys; what an attempt sends (URL, body, secrets) is read as it starts, so a rotation
// or a deletion since the delivery fell due counts.
TEST_F(WebhooksTest, TheOutboxGivesDueKeysAndEachMessageIsReadAsItIsNow) {
    const auto endpoint = create_endpoint(receiver_.url("/hang"));
    const auto endpoint_id = endpoint["id"].get<std::string>();
    const auto event_id = confirmed_payment_event();
    ASSERT_TRUE(wait_until([&] { return receiver_.hanging() == 1; }));  // in flight: still PENDING and due

    auto& store = app_->webhooks();
    auto due = store.due(clock_.now_ms(), 32, 256);
    ASSERT_TRUE(due) << due.error().message;
    ASSERT_EQ(due->size(), 1u);
    EXPECT_EQ((*due)[0].event_id, event_id);
    EXPECT_EQ((*due)[0].endpoint_id, endpoint_id);
    EXPECT_EQ((*due)[0].attempts, 0);

    auto message = store.message(event_id, endpoint_id, clock_.now_ms());
    ASSERT_TRUE(message) << message.error().message;
    EXPECT_EQ(message->url, receiver_.url("/hang"));
    auto event = client_->Get("/v1/events/" + event_id, merchant());
    ASSERT_EQ(event->status, 200);
    EXPECT_EQ(message->body, event->body);
    EXPECT_EQ(message->secrets, std::vector<std::string>{endpoint["secret"].get<std::string>()});

    const auto rotate = "/v1/webhook-endpoints/" + endpoint_id + "/rotate-secret";
    auto rotated = client_->Post(rotate, merchant(), R"({"expires_in_seconds":60})", "application/json");
    ASSERT_EQ(rotated->status, 200) << rotated->body;
    const auto new_secret = json_of(rotated)["secret"].get<std::string>();
    message = store.message(event_id, endpoint_id, clock_.now_ms());
    ASSERT_TRUE(message);
    EXPECT_EQ(message->secrets, (std::vector<std::string>{new_secret, endpoint["secret"].get<std::string>()}));
    message = store.message(event_id, endpoint_id, clock_.now_ms() + 61'000);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->secrets, std::vector<std::string>{new_secret});

    EXPECT_EQ(store.message("evt_unknown", endpoint_id, clock_.now_ms()).error().code, ErrorCode::NotFound);
    ASSERT_EQ(client_->Delete("/v1/webhook-endpoints/" + endpoint_id, merchant())->status, 200);
    EXPECT_EQ(store.message(event_id, endpoint_id, clock_.now_ms()).error().code, ErrorCode::NotFound);
    due = store.due(clock_.now_ms(), 32, 256);
    ASSERT_TRUE(due);
    EXPECT_TRUE(due->empty());
    receiver_.release();
}

// A read of the outbox caps what it takes of each endpoint, so that one endpoint's backlog never hides
// another's, and stops at its limit.
TEST_F(WebhooksTest, AnOutboxReadTakesAtMostItsShareOfEachEndpointAndStopsAtItsLimit) {
    receiver_.fail_first(1'000);  // every attempt fails: the rows wait for their next attempt, still PENDING
    const auto both = create_endpoint(receiver_.url("/hook"), {"payment.confirmed", "receipt.created"});
    const auto one = create_endpoint(receiver_.url("/other"), {"payment.confirmed"});
    for (int i = 0; i < 3; ++i) confirmed_payment_event();
    // 3 x (payment.confirmed and receipt.created to "/hook", payment.confirmed to "/other"), each attempt
    // recorded: nothing is due until the first retry.
    auto& store = app_->webhooks();
    ASSERT_TRUE(wait_until([&] {
        auto now = store.due(clock_.now_ms(), 100, 100);
        return receiver_.log().size() == 9 && now && now->empty();
    }));

    const auto later = clock_.now_ms() + 60'000;  // past every retry's time
    auto count = [](const std::vector<DueDelivery>& due, const nlohmann::json& endpoint) {
        return std::count_if(due.begin(), due.end(),
                             [&](const DueDelivery& d) { return d.endpoint_id == endpoint["id"]; });
    };
    auto due = store.due(later, 100, 100);
    ASSERT_TRUE(due);
    EXPECT_EQ(count(*due, both), 6);
    EXPECT_EQ(count(*due, one), 3);
    due = store.due(later, 2, 100);
    ASSERT_TRUE(due);
    EXPECT_EQ(count(*due, both), 2);
    EXPECT_EQ(count(*due, one), 2);
    due = store.due(later, 100, 4);
    ASSERT_TRUE(due);
    EXPECT_EQ(due->size(), 4u);
}

TEST_F(WebhooksTest, AHangingEndpointHoldsItsOwnSendersOnlyAndOtherEndpointsStillReceive) {
    create_endpoint(receiver_.url("/hang"));
    create_endpoint(receiver_.url("/other"));
    std::vector<std::string> events;
    for (int i = 0; i < 6; ++i) events.push_back(confirmed_payment_event());
    ASSERT_TRUE(wait_until([&] { return receiver_.on("/other").size() == events.size(); }));
    // Meanwhile the hanging endpoint holds at most its own share of the pool, and has answered nothing.
    EXPECT_GE(receiver_.hanging(), 1);
    EXPECT_LE(receiver_.hanging(), static_cast<int>(WebhookOptions{}.per_endpoint));
    EXPECT_TRUE(receiver_.on("/hang").empty());
    receiver_.release();
    ASSERT_TRUE(wait_until([&] { return receiver_.on("/hang").size() == events.size(); }));
}

// Senders are woken as the queue needs them: while one works through deliveries and takes the next within the
// ramp delay, no other is woken. With a ramp delay longer than the test, a burst to a receiver that takes 50 ms
// per request (under its endpoint's cap of 4) is sent one request at a time, all of it; with the default delay,
// the same burst gets more senders (the backlog test below reaches the cap of 4 on a hanging receiver).
class WebhooksLongRampTest : public WebhooksTest {
protected:
    void configure(ServerConfig& config) override {
        WebhooksTest::configure(config);
        config.webhooks.ramp_delay = 1h;
    }
};

TEST_F(WebhooksLongRampTest, ABurstIsSentByOneSenderInTurnWhileItKeepsTakingFromTheQueue) {
    const auto events = burst_to_slow_receiver();
    std::map<std::string, int> arrived;
    for (const auto& d : receiver_.on("/slow")) ++arrived[d.id];
    for (const auto& id : events) EXPECT_EQ(arrived[id], 2) << id;
    EXPECT_EQ(receiver_.max_in_progress(), 1);
}

TEST_F(WebhooksTest, ABurstToASlowReceiverGetsMoreSendersUpToItsEndpointsCap) {
    burst_to_slow_receiver();
    EXPECT_GT(receiver_.max_in_progress(), 1);
    EXPECT_LE(receiver_.max_in_progress(), static_cast<int>(WebhookOptions{}.per_endpoint));
}

// More deliveries due to one endpoint than the worker reads at once (its window is 32): its senders work through
// the backlog, the outbox is read again when it runs dry, and every event arrives exactly once, over connections
// the senders keep open rather than one per delivery.
TEST_F(WebhooksTest, ABacklogLongerThanOneReadArrivesOnceEachOverKeptConnections) {
    create_endpoint(receiver_.url("/hang"));
    std::set<std::string> events;
    for (int i = 0; i < 40; ++i) events.insert(confirmed_payment_event());
    ASSERT_TRUE(wait_until([&] { return receiver_.hanging() == static_cast<int>(WebhookOptions{}.per_endpoint); }));
    receiver_.release();
    ASSERT_TRUE(wait_until([&] { return receiver_.on("/hang").size() >= events.size(); }));
    std::set<std::string> arrived;
    std::set<int> connections;
    for (const auto& d : receiver_.on("/hang")) {
        EXPECT_TRUE(arrived.insert(d.id).second) << "twice: " << d.id;
        connections.insert(d.remote_port);
    }
    EXPECT_EQ(arrived, events);
    // httplib's receiver closes a connection after its fifth request: at least 8 connections, far fewer than 40.
    EXPECT_LE(connections.size(), events.size() / 2) << connections.size() << " connections";
}

// A kept connection the receiver closed while it sat idle is replaced: the next delivery still succeeds at its
// first attempt.
TEST_F(WebhooksTest, AKeptConnectionTheReceiverClosedIsReplacedWithoutAFailedAttempt) {
    receiver_.keep_alive_timeout(1s);
    create_endpoint(receiver_.url("/hook"));
    const auto first = confirmed_payment_event();
    ASSERT_TRUE(wait_until([&] { return receiver_.on("/hook").size() == 1; }));
    // Longer than the receiver keeps it, shorter than the sender would (2 s).
    std::this_thread::sleep_for(1500ms);
    const auto second = confirmed_payment_event();
    ASSERT_TRUE(wait_until([&] { return deliveries(second)[0]["status"] == "DELIVERED"; }));
    const auto logged = deliveries(second)[0];
    ASSERT_EQ(logged["attempts"].size(), 1u) << logged.dump();
    EXPECT_EQ(logged["attempts"][0]["status_code"], 200);
    const auto got = receiver_.on("/hook");
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].id, second);
    EXPECT_NE(got[0].remote_port, got[1].remote_port);
}

// The membership lifecycle's events: the watcher announces grace and expiry once each, in order, and a renewal
// after expiry starts the cycle again.
TEST_F(WebhooksTest, MembershipGraceAndExpiryAreAnnouncedOnceEach) {
    const auto product = create_product();  // 30-day periods, 3 days of grace
    const auto buyer = new_buyer(2 * kPrice);
    const auto pay = [&] {
        const auto payment_id = pay_until_broadcast(product["slug"], buyer);
        app_->sandbox()->advance_slots(1);
        EXPECT_EQ(confirm(payment_id)["status"], "CONFIRMED");
    };
    const auto count = [&](const std::string& type) {
        auto res = client_->Get("/v1/events?type=" + type, merchant());
        EXPECT_EQ(res->status, 200);
        return json_of(res)["data"].size();
    };
    const auto tick = [&](std::int64_t days) {
        clock_.advance_ms(days * 86'400'000);
        app_->payment_service().watch_once();
        app_->payment_service().watch_once();  // a second tick announces nothing again
    };
    pay();
    tick(29);
    EXPECT_EQ(count("membership.grace_started"), 0u);
    tick(2);
    EXPECT_EQ(count("membership.grace_started"), 1u);
    EXPECT_EQ(count("membership.expired"), 0u);
    auto events = json_of(client_->Get("/v1/events?type=membership.grace_started", merchant()));
    EXPECT_EQ(events["data"][0]["data"]["status"], "GRACE");
    tick(3);
    EXPECT_EQ(count("membership.grace_started"), 1u);
    EXPECT_EQ(count("membership.expired"), 1u);
    events = json_of(client_->Get("/v1/events?type=membership.expired", merchant()));
    EXPECT_EQ(events["data"][0]["data"]["status"], "EXPIRED");
    // Paid again after it lapsed: active for a new period, then in grace again at its end.
    pay();
    tick(1);
    EXPECT_EQ(count("membership.expired"), 1u);
    tick(30);
    EXPECT_EQ(count("membership.grace_started"), 2u);
}

// A look that comes only after the whole grace period (hiltd was down, or the test clock jumped) still
// announces the grace period, then the lapse: subscribers see every step.
TEST_F(WebhooksTest, AGracePeriodPassedBetweenTwoLooksIsAnnouncedBeforeTheExpiry) {
    const auto product = create_product();  // 30-day periods, 3 days of grace
    const auto buyer = new_buyer(kPrice);
    const auto payment_id = pay_until_broadcast(product["slug"], buyer);
    app_->sandbox()->advance_slots(1);
    ASSERT_EQ(confirm(payment_id)["status"], "CONFIRMED");
    clock_.advance_ms(40LL * 86'400'000);
    app_->payment_service().watch_once();
    app_->payment_service().watch_once();
    auto events = app_->payments().events_for(merchant_id_, 20);
    ASSERT_TRUE(events);
    std::vector<std::string> types;
    for (const auto& event : *events) types.push_back(std::string(to_string(event.type)));
    ASSERT_GE(types.size(), 2u);
    EXPECT_EQ(types[0], "membership.expired") << "newest first";
    EXPECT_EQ(types[1], "membership.grace_started");
    EXPECT_EQ(std::count(types.begin(), types.end(), "membership.grace_started"), 1);
    EXPECT_EQ((*events)[1].data["status"], "GRACE");
    EXPECT_EQ((*events)[0].data["status"], "EXPIRED");
}

}  // namespace
}  // namespace hilt::server
