// server/analytics/view_reports.h: payload views reported by nginx over UDP (syslog datagrams), counted
// through the ViewCounter.
//
// Owns: the loopback UDP socket (--view-report-port) and the thread that reads it. An nginx in front logs
// every payload GET or HEAD it answers with 200 or 304, from its micro-cache or not, with its own
// `access_log syslog:` (one RFC 3164 datagram per view: `<PRI>Mmm dd hh:mm:ss hiltview: /v1/products/p/{slug}`).
// A UDP send never blocks nginx and costs hiltd no HTTP request; hiltd then does not count the requests
// nginx forwards (`X-Hilt-View: forwarded`, routes/products.cpp), so each view counts once. The shipped
// deploy/nginx.conf now writes views to a buffered log file instead (view_log.h: a datagram per view cost nginx
// 14-20 % of its payload throughput); this listener stays for configurations that still send datagrams.
//  - Slugs are counted through ReportedViews (reported_views.h: the slug -> product id cache; unknown slugs
//    count as dropped).
//  - Malformed datagrams (not the tag, not a payload path, not a slug) are dropped and counted; so are
//    the datagrams the kernel discarded because the socket's buffer was full (`lost`, SO_RXQ_OVFL).
// Must never: listen on anything but 127.0.0.1, block the sender, or read the store for a cached slug.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <thread>

#include "analytics/reported_views.h"
#include "core/result.h"

namespace hilt::server {

// The syslog tag nginx sends views with (`tag=hiltview`).
inline constexpr std::string_view kViewReportTag = "hiltview";
// What the socket may hold while the thread is not reading (the kernel caps it at net.core.rmem_max:
// Debian's default, 208 KiB, holds a few hundred reports).
inline constexpr int kViewReportReceiveBuffer = 4 << 20;
// After a read, the thread waits this long for more reports to queue up before it reads again, so a
// busy second costs it a few hundred wake-ups, not one per view.
inline constexpr std::chrono::milliseconds kViewReportBatchInterval{5};

// The payload slug in one datagram as nginx sends it (RFC 3164: `<PRI>TIMESTAMP [HOSTNAME ]TAG: MSG`, MSG
// the logged path `/v1/products/p/{slug}`, a query string ignored); nullopt for anything else.
std::optional<std::string_view> parse_view_report(std::string_view datagram);

class ViewReportListener {
public:
    ViewReportListener(ViewCounter& views, ReportedViews::FindProduct find_product, ReportedViews::Now now);
    ~ViewReportListener();
    ViewReportListener(const ViewReportListener&) = delete;
    ViewReportListener& operator=(const ViewReportListener&) = delete;

    // Binds 127.0.0.1:port (0: a free one) and starts reading; the bound port.
    [[nodiscard]] Result<int> start(int port);
    // Reads what is already queued, then stops the thread and closes the socket. Idempotent.
    void stop();

    std::uint64_t counted() const { return reported_.counted(); }
    std::uint64_t dropped() const { return reported_.dropped(); }
    std::uint64_t lost() const { return lost_.load(); }

private:
    void run();
    bool drain();  // reads until the queue is empty; whether it read anything
    void handle(std::string_view datagram);

    ReportedViews reported_;  // the thread's own
    int socket_ = -1;
    int wake_ = -1;  // an eventfd: stop() wakes the thread's poll
    std::thread thread_;
    std::atomic<std::uint64_t> lost_{0};
};

}  // namespace hilt::server
