// A product's analytics over HTTP on a real hiltd with a real SQLite file and the sandbox chain: payload views
// from real GETs (200 and 304), real payments (built and broadcast, a wallet's own overpaying transfer, a
// transfer request with its fee outstanding, an expired session, a renewal), support cases, and the numbers
// the analytics route answers must match exactly, for all time and for windows; views counted from many
// threads at once are exact and survive a restart; another merchant's product is 404; a bad window is 422.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "models/analytics.h"
#include "solana/instructions.h"
#include "solana/message.h"
#include "solanapay/transfer_request.h"
#include "store/sqlite/database.h"
#include "unit/server/checkout_harness.h"

namespace hilt::server {
namespace {

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86'400;
constexpr std::int64_t kFee = 125'000;  // 1 % of kPrice (the default 100 bps)

class AnalyticsTest : public test::CheckoutHarness {
protected:
    // Many requests from one client address: the public rate limit would answer 429.
    void configure(ServerConfig& config) override { config.public_rate_limit.refill_per_second = 0; }

    std::int64_t now() const { return clock_.now_seconds(); }
    static std::string at(std::int64_t unix_seconds) { return models::format_timestamp(models::Timestamp{unix_seconds}); }

    httplib::Result analytics_raw(const std::string& product_id, const std::string& query = {},
                                  const httplib::Headers& headers = {}) {
        return client_->Get("/v1/products/" + product_id + "/analytics" + query, headers);
    }
    nlohmann::json analytics(const std::string& product_id, const std::string& query = {}) {
        auto res = analytics_raw(product_id, query, merchant());
        EXPECT_TRUE(res);
        if (!res) return {};
        EXPECT_EQ(res->status, 200) << res->body;
        EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
        return json_of(res);
    }

    // One payload GET; with the ETag of an earlier answer it is a 304. Returns the ETag.
    std::string view(const std::string& slug, const std::string& etag = {}) {
        httplib::Headers headers;
        if (!etag.empty()) headers.emplace("If-None-Match", etag);
        auto res = client_->Get("/v1/products/p/" + slug, headers);
        EXPECT_TRUE(res);
        if (!res) return {};
        EXPECT_EQ(res->status, etag.empty() ? 200 : 304) << res->body;
        return res->get_header_value("ETag");
    }

    void settle_found_transactions() {
        app_->sandbox()->advance_slots(1);  // confirmed commitment is one slot behind
        app_->payment_service().watch_once();
    }

    // A buyer pays through the server-built transaction (build, sign, broadcast, confirm).
    std::string pay_built(const std::string& slug, const Ed25519Keypair& buyer) {
        const auto payment_id = pay_until_broadcast(slug, buyer);
        app_->sandbox()->advance_slots(1);
        EXPECT_EQ(confirm(payment_id)["status"], "CONFIRMED");
        return payment_id;
    }

    // A wallet's own transfer for the session: the built transaction with `delta` more to the merchant, sent
    // straight to the chain; the watcher finds it by the reference.
    std::string pay_own_transfer(const std::string& slug, const Ed25519Keypair& buyer, std::int64_t delta) {
        const auto payment_id = connect(slug)["payment_id"].get<std::string>();
        auto tx = build(payment_id, buyer);
        const auto net = static_cast<std::uint64_t>(kPrice - kFee);
        for (auto& ix : tx.message.instructions) {
            const auto program = tx.message.static_key(ix.program_id_index);
            if (!program || *program != solana::programs::kToken || ix.data.size() != 10 || ix.data[0] != 12) continue;
            std::uint64_t amount = 0;
            for (int b = 0; b < 8; ++b) amount |= std::uint64_t{ix.data[1 + b]} << (8 * b);
            if (amount != net) continue;  // the fee transfer
            const auto paid = static_cast<std::uint64_t>(static_cast<std::int64_t>(net) + delta);
            for (int b = 0; b < 8; ++b) ix.data[1 + b] = static_cast<std::uint8_t>(paid >> (8 * b));
        }
        auto wire = base64_decode(sign(tx, buyer));
        EXPECT_TRUE(wire);
        EXPECT_TRUE(app_->sandbox()->send(*wire));
        settle_found_transactions();
        EXPECT_EQ(status_of(payment_id)["status"], "CONFIRMED");
        return payment_id;
    }

    // A wallet that knows only transfer requests pays the session's solana_pay_transfer_url: one transfer of
    // the whole price to the merchant, so the fee is outstanding. No transaction is built by the server.
    std::string pay_transfer_request(const std::string& slug, const Ed25519Keypair& buyer) {
        const auto session = connect(slug);
        auto request = solanapay::parse_transfer_request(session["solana_pay_transfer_url"].get<std::string>(), 6);
        EXPECT_TRUE(request) << describe(request.error());
        const auto payer = wallet_of(buyer);
        const auto mint = *request->spl_token;
        const auto from = solana::associated_token_address(payer, mint);
        const auto to = solana::associated_token_address(request->recipient, mint);
        auto create = solana::create_associated_token_account_idempotent(payer, request->recipient, mint);
        auto memo = solana::memo(request->memo);
        EXPECT_TRUE(from && to && create && memo);
        const std::vector<solana::Instruction> instructions = {
            *create, *memo,
            solana::token_transfer_checked(from->address, mint, to->address, payer, request->amount->minor_units,
                                           request->amount->decimals, request->references)};
        auto blockhash = app_->sandbox()->latest_blockhash(Commitment::Confirmed);
        EXPECT_TRUE(blockhash);
        auto message = solana::compile_message(payer, instructions, blockhash->blockhash);
        EXPECT_TRUE(message) << describe(message.error());
        auto tx = solana::make_unsigned_transaction(*message);
        EXPECT_TRUE(tx);
        auto wire = base64_decode(sign(*tx, buyer));
        EXPECT_TRUE(wire);
        EXPECT_TRUE(app_->sandbox()->send(*wire));
        settle_found_transactions();
        const auto payment_id = session["payment_id"].get<std::string>();
        EXPECT_EQ(status_of(payment_id)["status"], "CONFIRMED");
        return payment_id;
    }

    // The support routes are another module's; the analytics only read table support_cases, so the test
    // writes its rows itself, through a connection of its own to the same file.
    void add_support_case(const std::string& case_id, const std::string& payment_id, const std::string& product_id,
                          const std::string& status, std::int64_t created_at) {
        auto db = Database::open((dir_ / "hilt.sqlite").string());
        ASSERT_TRUE(db) << describe(db.error());
        auto stmt = db->prepare(
            "INSERT INTO support_cases(case_id, merchant_id, payment_id, product_id, status, body, created_at,"
            " updated_at) VALUES(?, ?, ?, ?, ?, '{}', ?, ?)");
        ASSERT_TRUE(stmt) << describe(stmt.error());
        stmt->bind(1, case_id).bind(2, merchant_id_).bind(3, payment_id).bind(4, product_id).bind(5, status);
        stmt->bind(6, created_at).bind(7, created_at);
        auto ran = stmt->run();
        ASSERT_TRUE(ran) << describe(ran.error());
    }

    // Views stored in table product_views for the product (what the flusher wrote), read directly.
    std::int64_t stored_views(const std::string& product_id) {
        auto db = Database::open((dir_ / "hilt.sqlite").string());
        EXPECT_TRUE(db);
        if (!db) return -1;
        auto stmt = db->prepare("SELECT COALESCE(SUM(views), 0) FROM product_views WHERE product_id = ?");
        EXPECT_TRUE(stmt);
        stmt->bind(1, product_id);
        auto row = stmt->step();
        EXPECT_TRUE(row && *row == StepResult::Row);
        return stmt->column_int(0);
    }

    static nlohmann::json usdc_revenue(std::int64_t payments, std::int64_t overpaid, std::int64_t outstanding) {
        const auto gross = payments * kPrice + overpaid;
        return {{"token_mint", SandboxChain::usdc_mint().to_base58()},
                {"asset_symbol", "USDC"},
                {"decimals", 6},
                {"payments", payments},
                {"gross_minor_units", gross},
                {"fees_minor_units", payments * kFee},
                {"net_minor_units", gross - payments * kFee},
                {"fee_outstanding_minor_units", outstanding},
                {"overpaid_minor_units", overpaid}};
    }
};

TEST_F(AnalyticsTest, TheNumbersMatchRealViewsPaymentsRenewalsAndSupportCasesExactly) {
    const auto product = create_product();
    const auto slug = product["slug"].get<std::string>();
    const auto product_id = product["product_id"].get<std::string>();
    const auto t0 = now();
    ASSERT_EQ(t0 % kHour, 0) << "the test's hours start at t0";

    // t0: 4 answers of 200 and 2 of 304 count; an unknown slug and an archived-looking miss do not.
    const auto etag = view(slug);
    for (int i = 0; i < 3; ++i) view(slug);
    view(slug, etag);
    view(slug, etag);
    auto unknown = client_->Get("/v1/products/p/no-such-product-00000000");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 404);

    const auto buyer_a = new_buyer(2 * kPrice);
    const auto a1 = pay_built(slug, buyer_a);
    const auto b = pay_own_transfer(slug, new_buyer(kPrice + 5'000), 5'000);
    pay_transfer_request(slug, new_buyer(kPrice));  // E
    const auto c = connect(slug)["payment_id"].get<std::string>();  // never paid: expires

    // t1: C expired (the watcher stores it), A renews, D gets as far as a built transaction.
    clock_.advance_ms(901 * 1000);
    const auto t1 = now();
    app_->payment_service().watch_once();
    ASSERT_EQ(status_of(c)["failure_reason"], "EXPIRED");
    pay_built(slug, buyer_a);  // A2
    const auto d = connect(slug)["payment_id"].get<std::string>();
    build(d, new_buyer(kPrice));
    view(slug);

    // t2, two hours later: 3 more views, F just connected (still open; D has expired meanwhile).
    clock_.advance_ms(2 * kHour * 1000);
    const auto t2 = now();
    for (int i = 0; i < 3; ++i) view(slug);
    connect(slug);  // F
    add_support_case("sup_one", a1, product_id, "OPEN", t0);
    add_support_case("sup_two", b, product_id, "CLOSED", t2);

    const auto all = analytics(product_id);
    EXPECT_EQ(all["product_id"], product_id);
    EXPECT_FALSE(all.contains("from"));
    EXPECT_EQ(all["to"], at(t2));
    EXPECT_EQ(all["funnel"], (nlohmann::json{{"payload_views", 10},
                                             {"sessions_started", 7},
                                             {"transactions_built", 4},  // A1, B, A2, D (E's wallet built its own)
                                             {"broadcasts", 4},          // A1, B, E, A2
                                             {"confirmed", 4},
                                             {"failed", 0},
                                             {"expired", 2},  // C (stored), D (read past expires_at)
                                             {"pending", 1},  // F
                                             {"conversion", 0.5714},
                                             {"view_to_payment", 0.4}}))
        << all.dump(2);
    EXPECT_EQ(all["revenue"], nlohmann::json::array({usdc_revenue(4, 5'000, kFee)})) << all.dump(2);
    EXPECT_EQ(all["renewal"], (nlohmann::json{{"active", 3}, {"renewed", 1}, {"in_grace", 0}, {"lapsed", 0}}));
    EXPECT_EQ(all["delivery"],
              (nlohmann::json{{"delivered", 4}, {"failed", 0}, {"pending", 0}, {"not_required", 0}}));
    EXPECT_EQ(all["support"], (nlohmann::json{{"cases_opened", 2}, {"open_now", 1}}));
    // Money is integers, always.
    for (const auto& [key, value] : all["revenue"][0].items()) {
        if (key.ends_with("_minor_units")) {
            EXPECT_TRUE(value.is_number_integer()) << key;
        }
    }

    // Until t0 + 900: what had happened by then (statuses as of now: C reads expired).
    const auto early = analytics(product_id, "?to=" + at(t0 + 900));
    EXPECT_EQ(early["to"], at(t0 + 900));
    EXPECT_EQ(early["funnel"]["sessions_started"], 4);  // A1, B, E, C
    EXPECT_EQ(early["funnel"]["transactions_built"], 2);
    EXPECT_EQ(early["funnel"]["broadcasts"], 3);
    EXPECT_EQ(early["funnel"]["confirmed"], 3);
    EXPECT_EQ(early["funnel"]["expired"], 1);
    EXPECT_EQ(early["funnel"]["pending"], 0);
    EXPECT_EQ(early["funnel"]["payload_views"], 7) << "views count per hour: t0's hour holds t1's view too";
    EXPECT_EQ(early["funnel"]["conversion"], 0.75);
    EXPECT_EQ(early["revenue"], nlohmann::json::array({usdc_revenue(3, 5'000, kFee)}));
    EXPECT_EQ(early["renewal"], (nlohmann::json{{"active", 3}, {"renewed", 0}, {"in_grace", 0}, {"lapsed", 0}}));
    EXPECT_EQ(early["delivery"]["delivered"], 3);
    EXPECT_EQ(early["support"], (nlohmann::json{{"cases_opened", 1}, {"open_now", 1}}));

    // From t1: A2, D, F.
    const auto later = analytics(product_id, "?from=" + at(t1));
    EXPECT_EQ(later["from"], at(t1));
    EXPECT_EQ(later["funnel"]["sessions_started"], 3);
    EXPECT_EQ(later["funnel"]["transactions_built"], 2);
    EXPECT_EQ(later["funnel"]["broadcasts"], 1);
    EXPECT_EQ(later["funnel"]["confirmed"], 1);
    EXPECT_EQ(later["funnel"]["expired"], 1);
    EXPECT_EQ(later["funnel"]["pending"], 1);
    EXPECT_EQ(later["revenue"], nlohmann::json::array({usdc_revenue(1, 0, 0)}));
    EXPECT_EQ(later["renewal"]["renewed"], 1);
    EXPECT_EQ(later["support"]["cases_opened"], 1);

    // From the next hour on: only F and the 3 views of t2's hour.
    const auto last = analytics(product_id, "?from=" + at(t0 + kHour) + "&to=" + at(t2));
    EXPECT_EQ(last["funnel"]["payload_views"], 3);
    EXPECT_EQ(last["funnel"]["sessions_started"], 1);
    EXPECT_EQ(last["funnel"]["confirmed"], 0);
    EXPECT_EQ(last["funnel"]["conversion"], 0.0);
    EXPECT_EQ(last["funnel"]["view_to_payment"], 0.0);
    EXPECT_EQ(last["revenue"], nlohmann::json::array());
    EXPECT_EQ(last["delivery"]["delivered"], 0);

    // 31 days on, B's and E's memberships (30 days, 3 of grace) are in grace; A renewed into a second period.
    clock_.advance_ms(31 * kDay * 1000);
    EXPECT_EQ(analytics(product_id)["renewal"],
              (nlohmann::json{{"active", 1}, {"renewed", 1}, {"in_grace", 2}, {"lapsed", 0}}));
    clock_.advance_ms(3 * kDay * 1000);
    EXPECT_EQ(analytics(product_id)["renewal"],
              (nlohmann::json{{"active", 1}, {"renewed", 1}, {"in_grace", 0}, {"lapsed", 2}}));
    // A window that ends earlier reads the memberships as they stood then.
    EXPECT_EQ(analytics(product_id, "?to=" + at(t0 + 31 * kDay))["renewal"],
              (nlohmann::json{{"active", 1}, {"renewed", 1}, {"in_grace", 2}, {"lapsed", 0}}));
}

TEST_F(AnalyticsTest, AProductWithNothingYetAnswersZerosAndRatesOfZero) {
    const auto product_id = create_product()["product_id"].get<std::string>();
    const auto body = analytics(product_id);
    EXPECT_EQ(body["funnel"]["payload_views"], 0);
    EXPECT_EQ(body["funnel"]["sessions_started"], 0);
    EXPECT_TRUE(body["funnel"]["conversion"].is_number());
    EXPECT_EQ(body["funnel"]["conversion"], 0.0);
    EXPECT_EQ(body["funnel"]["view_to_payment"], 0.0);
    EXPECT_EQ(body["revenue"], nlohmann::json::array());
    EXPECT_EQ(body["renewal"], (nlohmann::json{{"active", 0}, {"renewed", 0}, {"in_grace", 0}, {"lapsed", 0}}));
    EXPECT_EQ(body["support"], (nlohmann::json{{"cases_opened", 0}, {"open_now", 0}}));
}

TEST_F(AnalyticsTest, ViewsAndConnectsFromManyThreadsAtOnceCountExactly) {
    const auto product = create_product();
    const auto slug = product["slug"].get<std::string>();
    const auto product_id = product["product_id"].get<std::string>();
    const auto etag = view(slug);  // 1
    constexpr int kThreads = 8;
    constexpr int kViewsPerThread = 40;
    constexpr int kConnectsPerThread = 3;
    std::atomic<int> failures{0};
    std::atomic<bool> done{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            httplib::Client client("127.0.0.1", port_);
            for (int i = 0; i < kViewsPerThread; ++i) {
                httplib::Headers headers;
                if ((i + t) % 2 == 0) headers.emplace("If-None-Match", etag);
                auto res = client.Get("/v1/products/p/" + slug, headers);
                if (!res || (res->status != 200 && res->status != 304)) ++failures;
                if (i % (kViewsPerThread / kConnectsPerThread) == 0 && i / (kViewsPerThread / kConnectsPerThread) < kConnectsPerThread) {
                    auto connected = client.Post("/v1/products/p/" + slug + "/connect", "{}", "application/json");
                    if (!connected || connected->status != 201) ++failures;
                }
            }
        });
    }
    // Meanwhile the merchant reads (each read flushes): never more than what was served, never less than before.
    std::thread reader([&] {
        httplib::Client client("127.0.0.1", port_);
        std::int64_t seen = 0;
        while (!done) {
            auto res = client.Get("/v1/products/" + product_id + "/analytics", merchant());
            if (!res || res->status != 200) {
                ++failures;
                continue;
            }
            const auto views = json_of(res)["funnel"]["payload_views"].get<std::int64_t>();
            if (views < seen || views > 1 + kThreads * kViewsPerThread) ++failures;
            seen = views;
        }
    });
    for (auto& thread : threads) thread.join();
    done = true;
    reader.join();
    ASSERT_EQ(failures.load(), 0);

    const auto body = analytics(product_id);
    EXPECT_EQ(body["funnel"]["payload_views"], 1 + kThreads * kViewsPerThread);
    EXPECT_EQ(body["funnel"]["sessions_started"], kThreads * kConnectsPerThread);
    EXPECT_EQ(body["funnel"]["pending"], kThreads * kConnectsPerThread);
}

TEST_F(AnalyticsTest, CountedViewsReachTheStoreInTheBackgroundAndSurviveACleanRestart) {
    const auto product = create_product();
    const auto slug = product["slug"].get<std::string>();
    const auto product_id = product["product_id"].get<std::string>();
    for (int i = 0; i < 5; ++i) view(slug);
    // The flusher writes them within about a second, with no analytics read asking.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (stored_views(product_id) != 5 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(stored_views(product_id), 5);

    // Views counted just before a stop are flushed by it, before the stores close.
    for (int i = 0; i < 7; ++i) view(slug);
    app_->stop();
    EXPECT_EQ(stored_views(product_id), 12);
    open_app();
    EXPECT_EQ(analytics(product_id)["funnel"]["payload_views"], 12);
}

// An nginx in front answers payload GETs from its micro-cache: it reports each view (as a UDP syslog datagram,
// analytics/view_reports.h, or a line in a log file, analytics/view_log.h) and marks what it forwards
// (X-Hilt-View: forwarded), so each view counts once.

// A free UDP port on loopback (for --view-report-port; closed again before hiltd binds it).
int free_udp_port() {
    const int probe = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    const bool bound = ::bind(probe, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
                       ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(probe);
    return bound ? ntohs(address.sin_port) : 0;
}

// Behind an nginx that sends views as UDP syslog datagrams to --view-report-port.
class AnalyticsWithViewReportsTest : public AnalyticsTest {
protected:
    void configure(ServerConfig& config) override {
        AnalyticsTest::configure(config);
        config.view_report_port = free_udp_port();
        ASSERT_GT(config.view_report_port, 0);
        port_ = config.view_report_port;
    }
    void report(const std::string& datagram) const {
        const int sender = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port_));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::sendto(sender, datagram.data(), datagram.size(), 0,
                           reinterpret_cast<const sockaddr*>(&address), sizeof address),
                  static_cast<ssize_t>(datagram.size()));
        ::close(sender);
    }
    int port_ = 0;
};

TEST_F(AnalyticsWithViewReportsTest, TheProxysReportsCountAndTheRequestsItForwardsDoNot) {
    const auto product = create_product();
    const auto slug = product["slug"].get<std::string>();
    const auto path = "/v1/products/p/" + slug;
    const auto product_id = product["product_id"].get<std::string>();
    for (int i = 0; i < 3; ++i) report("<190>Nov 30 03:30:13 hiltview: " + path);
    report("<190>Nov 30 03:30:13 hiltview: /v1/products/p/no-such-product-00000000");  // counts nothing
    report("<190>Nov 30 03:30:13 hiltview: /p/" + slug);                               // the page: nothing
    auto forwarded = client_->Get(path, {{"X-Hilt-View", "forwarded"}, {"X-Real-IP", "203.0.113.7"}});
    ASSERT_TRUE(forwarded);
    EXPECT_EQ(forwarded->status, 200);
    EXPECT_EQ(json_of(forwarded)["product_id"], product_id);
    // The old mirror's mark is gone: `report` is a plain view now, answered with the payload.
    auto marked = client_->Get(path, {{"X-Hilt-View", "report"}});
    ASSERT_TRUE(marked);
    EXPECT_EQ(marked->status, 200);
    EXPECT_FALSE(marked->body.empty());
    // Datagrams arrive on their own thread: wait for the three, then check nothing else counted.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (analytics(product_id)["funnel"]["payload_views"] != 4 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(analytics(product_id)["funnel"]["payload_views"], 4) << "3 reports and 1 plain GET";
}

// The shipped deploy/nginx.conf logs views to a buffered file instead, one path a line, which hiltd follows
// (--view-report-log, analytics/view_log.h); it still marks what it forwards, so each view counts once.
class AnalyticsWithViewLogTest : public AnalyticsTest {
protected:
    void configure(ServerConfig& config) override {
        AnalyticsTest::configure(config);
        config.view_report_log = log_file().string();  // not there yet: nginx creates it, hiltd waits for it
    }
    std::filesystem::path log_file() const { return dir_ / "views.log"; }
    void log(const std::string& lines) const { std::ofstream(log_file(), std::ios::app) << lines; }
};

TEST_F(AnalyticsWithViewLogTest, TheProxysLoggedViewsCountAndTheRequestsItForwardsDoNot) {
    const auto product = create_product();
    const auto path = "/v1/products/p/" + product["slug"].get<std::string>();
    const auto product_id = product["product_id"].get<std::string>();
    log(path + "\n" + path + "\n/v1/products/p/no-such-product-00000000\n/p/" + product["slug"].get<std::string>() +
        "\n" + path);  // the last line is not finished yet
    auto forwarded = client_->Get(path, {{"X-Hilt-View", "forwarded"}, {"X-Real-IP", "203.0.113.7"}});
    ASSERT_TRUE(forwarded);
    EXPECT_EQ(forwarded->status, 200);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (analytics(product_id)["funnel"]["payload_views"] != 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(analytics(product_id)["funnel"]["payload_views"], 2) << "2 complete lines; the forwarded GET is not one";
    log("\n");  // the last line's end: a third view
    while (analytics(product_id)["funnel"]["payload_views"] != 3 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(analytics(product_id)["funnel"]["payload_views"], 3);
}

// Without a trusted proxy on this host, the marks mean nothing: every payload answer counts.
class AnalyticsWithoutProxyTest : public AnalyticsTest {
protected:
    void configure(ServerConfig& config) override {
        AnalyticsTest::configure(config);
        config.trust_loopback_proxy = false;
    }
};

TEST_F(AnalyticsWithoutProxyTest, ViewMarksFromAnUntrustedPeerAreIgnored) {
    const auto product = create_product();
    const auto path = "/v1/products/p/" + product["slug"].get<std::string>();
    auto report = client_->Get(path, {{"X-Hilt-View", "report"}});
    ASSERT_TRUE(report);
    EXPECT_EQ(report->status, 200);
    auto forwarded = client_->Get(path, {{"X-Hilt-View", "forwarded"}});
    ASSERT_TRUE(forwarded);
    EXPECT_EQ(forwarded->status, 200);
    EXPECT_EQ(analytics(product["product_id"])["funnel"]["payload_views"], 2);
}

TEST_F(AnalyticsTest, AnotherMerchantsProductIs404LikeAnUnknownOneAndCredentialsAreRequired) {
    const auto product = create_product();
    const auto product_id = product["product_id"].get<std::string>();
    view(product["slug"]);
    auto other = app_->merchants().create_merchant("Other Guild", clock_.now_seconds());
    ASSERT_TRUE(other) << describe(other.error());
    auto theirs = analytics_raw(product_id, {}, with_key(other->second.secret));
    auto unknown = analytics_raw("prod_doesnotexist000000000", {}, merchant());
    for (const auto* res : {&theirs, &unknown}) {
        ASSERT_TRUE(*res);
        EXPECT_EQ((*res)->status, 404) << (*res)->body;
        EXPECT_EQ(json_of(*res)["error"]["code"], "not_found");
        EXPECT_EQ(json_of(*res)["error"]["message"], json_of(unknown)["error"]["message"]);
    }
    auto anonymous = analytics_raw(product_id);
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
}

TEST_F(AnalyticsTest, ABadWindowIs422NamingTheParameter) {
    const auto product_id = create_product()["product_id"].get<std::string>();
    const auto expect_422 = [&](const std::string& query, const std::string& code, const std::string& field) {
        auto res = analytics_raw(product_id, query, merchant());
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 422) << query << ": " << res->body;
        EXPECT_EQ(json_of(res)["error"]["code"], code) << query;
        EXPECT_EQ(json_of(res)["error"]["field"], field) << query;
    };
    expect_422("?from=yesterday", "invalid_timestamp", "from");
    expect_422("?from=", "invalid_timestamp", "from");
    expect_422("?to=2026-13-01T00:00:00Z", "invalid_timestamp", "to");
    expect_422("?to=2026-11-29T12:00:00%2B02:00", "invalid_timestamp", "to");  // UTC only
    expect_422("?from=" + at(now()) + "&to=" + at(now() - 1), "invalid_value", "from");
    expect_422("?from=" + at(now() + 1), "invalid_value", "from");  // after the default to (now)

    // The same instant may end and start a window, and the accepted input forms work.
    EXPECT_EQ(analytics(product_id, "?from=" + at(now()) + "&to=" + at(now()))["to"], at(now()));
    EXPECT_EQ(analytics(product_id, "?from=2026-11-29T12:00:00.250%2B00:00")["from"], "2026-11-29T12:00:00Z");
}

}  // namespace
}  // namespace hilt::server
