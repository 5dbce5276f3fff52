// nginx's payload-view log followed by hiltd (analytics/view_log.h), on a real file in a temp
// folder: the tailer starts at the file's end (or waits for the file), counts each complete line
// once through the ViewCounter, reads the store once per slug, drops (and counts) malformed lines
// and unknown slugs, finishes a file renamed away and reads its successor from the start, starts
// over after a truncation, and reads what is complete when it stops. Waits are readiness checks
// (counts, or checks of the file passed), never sleeps.
#include "analytics/view_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "analytics/view_counter.h"
#include "recording_analytics_store.h"
#include "temp_dir.h"

namespace hilt::server {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Checks often, so that the tests are quick; the readiness waits below do not depend on it.
constexpr std::chrono::milliseconds kTestInterval{10};
constexpr auto kPatience = 5s;

const std::string kMonthly = "/v1/products/p/monthly-pass\n";
const std::string kYearly = "/v1/products/p/yearly-pass\n";

// Appends bytes the way nginx does (O_APPEND, created 0644 when missing).
void append(const fs::path& path, const std::string& bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << path;
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
}

std::string repeat(const std::string& line, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += line;
    return out;
}

class ViewLogTest : public ::testing::Test {
protected:
    void TearDown() override { tailer_.stop(); }

    void start(std::chrono::milliseconds interval = kTestInterval) {
        auto started = tailer_.start(path_.string(), interval);
        ASSERT_TRUE(started) << describe(started.error());
    }
    // Waits until the tailer has counted and dropped at least this many lines (or kPatience
    // passed).
    void wait_for(std::uint64_t counted, std::uint64_t dropped = 0) {
        const auto deadline = std::chrono::steady_clock::now() + kPatience;
        while ((tailer_.counted() < counted || tailer_.dropped() < dropped) &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
        }
        EXPECT_EQ(tailer_.counted(), counted);
        EXPECT_EQ(tailer_.dropped(), dropped);
    }
    // Waits until two more checks of the file have begun and ended: what they did not count, the
    // tailer decided not to count (yet).
    void wait_for_two_checks() {
        const std::uint64_t target = tailer_.polls() + 2;
        const auto deadline = std::chrono::steady_clock::now() + kPatience;
        while (tailer_.polls() < target && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
        }
        ASSERT_GE(tailer_.polls(), target) << "the tailer stopped checking the file";
    }
    std::map<std::string, std::int64_t> stored() {
        auto flushed = views_.flush();
        EXPECT_TRUE(flushed) << describe(flushed.error());
        return store_.views();
    }
    int lookups(const std::string& slug) {
        std::lock_guard lock(lookups_mutex_);
        return lookups_[slug];
    }

    test::TempDir temp_{"hilt-view-log"};
    fs::path dir_ = temp_.path();
    fs::path path_ = dir_ / "views.log";
    RecordingAnalyticsStore store_;
    ViewCounter views_{store_};
    std::mutex lookups_mutex_;
    std::map<std::string, int> lookups_;
    ViewLogTailer tailer_{views_,
                          [this](const std::string& slug) -> std::optional<std::string> {
                              std::lock_guard lock(lookups_mutex_);
                              ++lookups_[slug];
                              if (slug == "monthly-pass") return "prod_1";
                              if (slug == "yearly-pass") return "prod_2";
                              return std::nullopt;
                          },
                          [] { return std::int64_t{1'800'000'000}; }};
};

TEST_F(ViewLogTest, StartsAtTheEndOfTheFileSoViewsLoggedBeforeTheStartAreNotCounted) {
    append(path_, repeat(kMonthly, 3));
    start();
    append(path_, kMonthly + kYearly);
    wait_for(2);
    wait_for_two_checks();
    EXPECT_EQ(tailer_.counted(), 2u) << "the three lines from before the start are not counted";
    tailer_.stop();
    EXPECT_EQ(stored(), (std::map<std::string, std::int64_t>{{"prod_1", 1}, {"prod_2", 1}}));
}

TEST_F(ViewLogTest, AFileThatDoesNotExistYetIsWaitedForThenReadFromItsStart) {
    start();
    wait_for_two_checks();
    EXPECT_FALSE(fs::exists(path_)) << "the tailer never creates the file";
    append(path_, repeat(kMonthly, 2));
    wait_for(2);
}

TEST_F(ViewLogTest, APartialLineWaitsForItsNewline) {
    append(path_, "");
    start();
    append(path_, "/v1/products/p/month");
    wait_for_two_checks();
    EXPECT_EQ(tailer_.counted(), 0u);
    EXPECT_EQ(tailer_.dropped(), 0u) << "half a line is neither counted nor dropped";
    append(path_, "ly-pass\n/v1/products/p/yea");
    wait_for(1);
    wait_for_two_checks();
    EXPECT_EQ(tailer_.counted(), 1u);
    append(path_, "rly");
    append(path_, "-pass\n");
    wait_for(2);
    tailer_.stop();
    EXPECT_EQ(stored(), (std::map<std::string, std::int64_t>{{"prod_1", 1}, {"prod_2", 1}}));
}

TEST_F(ViewLogTest, ARenamedFileIsFinishedAndItsSuccessorReadFromItsStart) {
    append(path_, "");
    start();
    // nginx's file descriptor: it keeps writing to the renamed file until `nginx -s reopen`.
    const int nginx = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    ASSERT_GE(nginx, 0);
    const auto write_old = [nginx](const std::string& bytes) {
        EXPECT_EQ(::write(nginx, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    };
    write_old(repeat(kMonthly, 2));
    wait_for(2);
    fs::rename(path_, dir_ / "views.log.1");  // logrotate
    write_old(kMonthly);                      // before the reopen: still the old file
    append(path_, repeat(kYearly, 3));  // logrotate's create, then nginx reopened (another worker)
    wait_for(6);
    write_old("/v1/products/p/monthly");  // the last worker to reopen flushes its buffer
    write_old("-pass\n");
    wait_for(7);
    append(path_, kYearly);
    wait_for(8);
    ::close(nginx);
    tailer_.stop();
    EXPECT_EQ(stored(), (std::map<std::string, std::int64_t>{{"prod_1", 4}, {"prod_2", 4}}));
}

TEST_F(ViewLogTest, AFileTruncatedBelowWhatWasReadIsReadAgainFromItsStart) {
    append(path_, "");
    start();
    append(path_, repeat(kMonthly, 3));
    wait_for(3);
    ASSERT_EQ(::truncate(path_.c_str(), 0), 0);  // logrotate's copytruncate
    append(path_, kYearly);                      // shorter than what was read
    wait_for(4);
    append(path_, kYearly);
    wait_for(5);
    tailer_.stop();
    EXPECT_EQ(stored(), (std::map<std::string, std::int64_t>{{"prod_1", 3}, {"prod_2", 2}}));
}

TEST_F(ViewLogTest, MalformedLinesAndUnknownSlugsAreDroppedAndCountedAndTheStoreIsReadOncePerSlug) {
    append(path_, "");
    start();
    append(path_,
           "/p/monthly-pass\n"  // the page, not the payload
           "hello\n"
           "\n"
           "/v1/products/p/no-such-product\n"  // unknown slug
           "/v1/products/p/monthly-pass/connect\n"
           "/v1/products/p/Monthly-Pass\n"
           "<190>Nov 30 03:30:13 hiltview: /v1/products/p/monthly-pass\n");  // a datagram, not a
                                                                             // log line
    append(path_,
           std::string(3000, 'x'));  // longer than any path: dropped without waiting for its end
    append(path_, std::string(3000, 'x') + "\n");
    append(path_, repeat(kMonthly, 5) + "/v1/products/p/monthly-pass\r\n");
    wait_for(6, 8);
    tailer_.stop();
    EXPECT_EQ(lookups("monthly-pass"), 1) << "the slug's product id is cached";
    EXPECT_EQ(lookups("no-such-product"), 1);
    EXPECT_EQ(stored(), (std::map<std::string, std::int64_t>{{"prod_1", 6}}));
}

TEST_F(ViewLogTest, StopReadsEveryCompleteLineThenJoins) {
    append(path_, "");
    start(std::chrono::hours(1));  // no check of its own after the first
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (tailer_.polls() < 1 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    ASSERT_EQ(tailer_.polls(), 1u) << "the first check, before anything is written";
    append(path_, repeat(kMonthly, 3) + "/v1/products/p/yearly");
    tailer_.stop();
    EXPECT_EQ(tailer_.counted(), 3u);
    EXPECT_EQ(tailer_.dropped(), 1u) << "the unfinished line is not a view";
    EXPECT_EQ(stored(), (std::map<std::string, std::int64_t>{{"prod_1", 3}}));
    tailer_.stop();  // idempotent
}

TEST_F(ViewLogTest, APathThatIsNotAFileFailsTheStart) {
    auto started = tailer_.start(dir_.string(), kTestInterval);
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().message.find(dir_.string()), std::string::npos)
        << started.error().message;
}

}  // namespace
}  // namespace hilt::server
