// server/analytics/view_log.h: payload views nginx writes to its view log, followed like `tail -F` and counted
// through the ViewCounter.
//
// Owns: the thread that follows the file at --view-report-log. deploy/nginx.conf logs every payload GET or
// HEAD it answers with 200 or 304, from its micro-cache or not, as one line holding the path
// (`/v1/products/p/{slug}\n`), buffered (64 KiB, flushed at least every second): a write per 64 KiB of views
// instead of a UDP datagram per view, which cost nginx 14-20 % of its payload throughput. hiltd does not
// count the requests nginx forwards (`X-Hilt-View: forwarded`, routes/products.cpp), so each view counts once.
//  - Starts at the end of the file: views logged while hiltd was down are not counted (as datagrams sent to a
//    closed port were not). A file that does not exist yet is waited for, then read from its start.
//  - Reads only complete lines: a partial last line waits for its newline.
//  - Rotation: when the path names another file (logrotate's rename, then `nginx -s reopen`), the old file
//    is read to its end and kept open, and read, until it has been quiet for kViewLogRetireAfter (nginx
//    writes to it until it reopens); the new one is read from its start. A file that shrinks below what was
//    read (copytruncate) is read again from its start.
//  - Polls every kViewLogPollInterval; stop() reads what is complete, then joins.
//  - Slugs are counted through ReportedViews (reported_views.h: the slug -> product id cache). Malformed
//    lines (not a payload path, longer than kViewLogMaxLine) and unknown slugs are dropped and counted.
// Must never: block nginx (it only reads), write to or create the file, or read the store for a cached slug.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "analytics/reported_views.h"
#include "core/result.h"

namespace hilt::server {

// How often the file is checked for new lines: what a view waits, at most, after nginx's flush.
inline constexpr std::chrono::milliseconds kViewLogPollInterval{250};
// After the path names a new file, the old one is still read until it has been quiet this long: nginx writes
// to it until `nginx -s reopen`, which logrotate sends right after it renames the file.
inline constexpr std::chrono::milliseconds kViewLogRetireAfter{5000};
// Far above a logged path: a longer line is not a view (and is not buffered past this).
inline constexpr std::size_t kViewLogMaxLine = 2048;
// What one read takes: nginx's own buffer (buffer=64k in deploy/nginx.conf).
inline constexpr std::size_t kViewLogReadChunk = 64 * 1024;

class ViewLogTailer {
public:
    ViewLogTailer(ViewCounter& views, ReportedViews::FindProduct find_product, ReportedViews::Now now);
    ~ViewLogTailer();
    ViewLogTailer(const ViewLogTailer&) = delete;
    ViewLogTailer& operator=(const ViewLogTailer&) = delete;

    // Opens `path` at its end (or waits for it to exist) and follows it every `interval`. Fails when the
    // file exists but cannot be read.
    [[nodiscard]] Status start(std::string path, std::chrono::milliseconds interval = kViewLogPollInterval);
    // Reads every complete line written so far, then stops the thread and closes the files. Idempotent.
    void stop();

    std::uint64_t counted() const { return reported_.counted(); }
    std::uint64_t dropped() const { return reported_.dropped(); }
    // Checks of the file done so far (tests wait for one to pass instead of sleeping).
    std::uint64_t polls() const { return polls_.load(); }

private:
    struct File {
        int fd = -1;
        dev_t device = 0;
        ino_t inode = 0;
        off_t offset = 0;     // what has been read
        std::string partial;  // the last line, until its newline arrives
        bool skipping = false;  // inside a line longer than kViewLogMaxLine: dropped up to its newline
        std::chrono::steady_clock::time_point last_read;
    };

    void run();
    void poll_once();
    [[nodiscard]] Status open_current(bool at_end);
    void reopen();  // open_current from its start, an error reported once (not every poll)
    bool read_new(File& file);  // reads to the file's end; whether there was anything
    void consume(File& file, std::string_view bytes);
    void handle(std::string_view line);
    void close(File& file);

    ReportedViews reported_;  // the thread's own
    std::string path_;
    std::chrono::milliseconds interval_ = kViewLogPollInterval;
    // The thread's own: the file the path names, and the one it named before a rotation.
    File current_;
    std::optional<File> retiring_;
    std::vector<char> buffer_;
    std::string last_open_error_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
    std::atomic<std::uint64_t> polls_{0};
};

}  // namespace hilt::server
