// nginx's UDP payload-view reports (analytics/view_reports.h): the RFC 3164 datagrams nginx's syslog access
// log sends are parsed to a slug, anything else is refused; a listener on loopback counts every well-formed
// report for a known slug exactly once through the ViewCounter, reads the store once per slug, and drops
// (and counts) the rest.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "analytics/view_counter.h"
#include "analytics/view_reports.h"
#include "recording_analytics_store.h"

namespace hilt::server {
namespace {

TEST(ViewReportParse, NginxSyslogDatagramsGiveTheSlug) {
    // nginx 1.22: `access_log syslog:server=…,nohostname,tag=hiltview hilt_view` with log_format '$uri'.
    EXPECT_EQ(parse_view_report("<190>Nov 30 03:30:13 hiltview: /v1/products/p/monthly-pass-7k2q"),
              "monthly-pass-7k2q");
    EXPECT_EQ(parse_view_report("<190>Nov  3 03:30:13 hiltview: /v1/products/p/a"), "a") << "space-padded day";
    EXPECT_EQ(parse_view_report("<190>Nov 30 03:30:13 web-1 hiltview: /v1/products/p/abc"), "abc")
        << "with nginx's hostname field";
    EXPECT_EQ(parse_view_report("<0>Jan 01 00:00:00 hiltview: /v1/products/p/abc?x=1"), "abc") << "query ignored";
    EXPECT_EQ(parse_view_report("<190>Nov 30 03:30:13 hiltview: /v1/products/p/abc\n"), "abc");
}

TEST(ViewReportParse, AnythingElseIsRefused) {
    for (const char* datagram : {
             "",
             "hello",
             "/v1/products/p/abc",
             "<190>",
             "<1900>Nov 30 03:30:13 hiltview: /v1/products/p/abc",       // PRI has at most 3 digits
             "<>Nov 30 03:30:13 hiltview: /v1/products/p/abc",
             "<190 Nov 30 03:30:13 hiltview: /v1/products/p/abc",
             "<190>Nov 30 033013 hiltview: /v1/products/p/abc",           // not a timestamp
             "<190>2026-11-30T03:30:13Z hiltview: /v1/products/p/abc",    // RFC 5424, not what nginx sends
             "<190>Nov 30 03:30:13 nginx: /v1/products/p/abc",            // another tag
             "<190>Nov 30 03:30:13 hiltviews: /v1/products/p/abc",
             "<190>Nov 30 03:30:13 a b hiltview: /v1/products/p/abc",     // two words before the tag
             "<190>Nov 30 03:30:13 hiltview:/v1/products/p/abc",
             "<190>Nov 30 03:30:13 hiltview: /p/abc",                     // the page, not the payload
             "<190>Nov 30 03:30:13 hiltview: /v1/products/p/",
             "<190>Nov 30 03:30:13 hiltview: /v1/products/p/abc/connect",
             "<190>Nov 30 03:30:13 hiltview: /v1/products/p/ABC",
             "<190>Nov 30 03:30:13 hiltview: /v1/products/p/-abc",
             "<190>Nov 30 03:30:13 hiltview: /v1/products/p/a b",
             "<190>Nov 30 03:30:13 hiltview: /v1/products/p/abc /v1/products/p/def",
         }) {
        EXPECT_FALSE(parse_view_report(datagram).has_value()) << datagram;
    }
}

void send_to(int port, const std::string& datagram) {
    const int sender = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(sender, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::sendto(sender, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&address),
                       sizeof address),
              static_cast<ssize_t>(datagram.size()));
    ::close(sender);
}

TEST(ViewReportListener, CountsEachReportOnceAndReadsTheStoreOncePerSlug) {
    RecordingAnalyticsStore store;
    ViewCounter views(store);
    std::map<std::string, int> lookups;
    ViewReportListener listener(
        views,
        [&lookups](const std::string& slug) -> std::optional<std::string> {
            ++lookups[slug];  // the listener's thread only
            if (slug == "monthly-pass") return "prod_1";
            if (slug == "yearly-pass") return "prod_2";
            return std::nullopt;
        },
        [] { return std::int64_t{1'800'000'000}; });
    auto port = listener.start(0);
    ASSERT_TRUE(port) << describe(port.error());
    ASSERT_GT(*port, 0);

    constexpr int kMonthly = 50;
    for (int i = 0; i < kMonthly; ++i) send_to(*port, "<190>Nov 30 03:30:13 hiltview: /v1/products/p/monthly-pass");
    for (int i = 0; i < 3; ++i) send_to(*port, "<190>Nov 30 03:30:13 hiltview: /v1/products/p/yearly-pass");
    send_to(*port, "<190>Nov 30 03:30:13 hiltview: /v1/products/p/no-such-product");
    send_to(*port, "<190>Nov 30 03:30:13 nginx: /v1/products/p/monthly-pass");
    send_to(*port, "not syslog at all");
    send_to(*port, std::string(5000, 'x'));  // longer than any report: truncated, dropped

    // Reports queued before stop() still count; then the socket is closed.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (listener.counted() + listener.dropped() < kMonthly + 3 + 4 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    listener.stop();
    EXPECT_EQ(listener.counted(), static_cast<std::uint64_t>(kMonthly + 3));
    EXPECT_EQ(listener.dropped(), 4u);
    EXPECT_EQ(listener.lost(), 0u);
    EXPECT_EQ(lookups["monthly-pass"], 1) << "the slug's product id is cached";
    EXPECT_EQ(lookups["yearly-pass"], 1);

    ASSERT_TRUE(views.flush());
    EXPECT_EQ(store.views(), (std::map<std::string, std::int64_t>{{"prod_1", kMonthly}, {"prod_2", 3}}));
}

TEST(ViewReportListener, APortInUseFailsTheStartAndStopIsIdempotent) {
    RecordingAnalyticsStore store;
    ViewCounter views(store);
    const auto none = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    const auto now = [] { return std::int64_t{0}; };
    ViewReportListener first(views, none, now);
    auto port = first.start(0);
    ASSERT_TRUE(port) << describe(port.error());
    ViewReportListener second(views, none, now);
    auto taken = second.start(*port);
    ASSERT_FALSE(taken);
    EXPECT_NE(taken.error().message.find("127.0.0.1:" + std::to_string(*port)), std::string::npos)
        << taken.error().message;
    first.stop();
    first.stop();  // idempotent
}

}  // namespace
}  // namespace hilt::server
