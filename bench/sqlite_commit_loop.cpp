// bench/sqlite_commit_loop.cpp: the baseline for connect: how many durable one-row commits this
// machine's disk allows. A fresh SQLite file in WAL mode with synchronous=FULL (as hiltd's
// money-moving writes), one prepared INSERT per transaction, from one thread, for a fixed time.
//
// Owns: only that measurement. Must never: batch rows into one transaction, relax synchronous, or
// be used outside scripts/bench.
//
// Usage: hilt_bench_sqlite_commit --db PATH [--seconds 5] [--row-bytes 600] [--fresh 0|1]
//        [--warmup-commits 0]
// Prints one JSON line: {"commits":N,"seconds":S,"commits_per_second":R,"p50_ms":…,"p99_ms":…}.
// Put PATH on the disk hiltd's database uses. --fresh 1 deletes it first (with its -wal and -shm).
// A fresh WAL grows with every commit (a file-size change makes fdatasync also commit the file
// system's journal) until the first checkpoint lets it wrap; hiltd's has long wrapped. So a
// measurement on a fresh file first runs --warmup-commits untimed commits (2,000 wrap the WAL at
// SQLite's default 1,000-page checkpoint); the WAL is kept at its size after the process ends
// (SQLITE_FCNTL_PERSIST_WAL), so later runs on the same file start warm.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr int kDefaultSeconds = 5;
// About one payment row of hiltd (ids, amounts, mint, reference, quote JSON).
constexpr int kDefaultRowBytes = 600;

int fail(const std::string& message) {
    std::fprintf(stderr, "hilt_bench_sqlite_commit: %s\n", message.c_str());
    return 2;
}

bool exec(sqlite3* db, const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &error) == SQLITE_OK) return true;
    std::fprintf(stderr, "hilt_bench_sqlite_commit: %s: %s\n", sql, error ? error : "?");
    sqlite3_free(error);
    return false;
}

double percentile_ms(std::vector<double>& samples, double fraction) {
    if (samples.empty()) return 0;
    const auto index = static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1));
    std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(index),
                     samples.end());
    return samples[index];
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> flags = {{"--seconds", std::to_string(kDefaultSeconds)},
                                                {"--row-bytes", std::to_string(kDefaultRowBytes)},
                                                {"--fresh", "0"},
                                                {"--warmup-commits", "0"}};
    if (argc % 2 == 0) return fail("flags come in pairs: --name value");
    for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
    if (flags.count("--db") == 0) return fail("--db PATH is required");
    const std::string path = flags["--db"];
    const int seconds = std::atoi(flags["--seconds"].c_str());
    const int row_bytes = std::atoi(flags["--row-bytes"].c_str());
    const int warmup_commits = std::atoi(flags["--warmup-commits"].c_str());
    if (seconds < 1 || row_bytes < 1) return fail("--seconds and --row-bytes must be positive");
    if (flags["--fresh"] == "1") {
        for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
    }

    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return fail("cannot open " + path);
    // Keep the WAL file (at its size) when this process ends, as hiltd's long-lived connection does.
    int persist_wal = 1;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist_wal);
    if (!exec(db, "PRAGMA journal_mode=WAL") || !exec(db, "PRAGMA synchronous=FULL") ||
        !exec(db, "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, created_ms INTEGER, "
                  "body TEXT)")) {
        sqlite3_close(db);
        return 1;
    }
    sqlite3_stmt* insert = nullptr;
    if (sqlite3_prepare_v2(db, "INSERT INTO rows (created_ms, body) VALUES (?, ?)", -1, &insert,
                           nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return fail("cannot prepare the INSERT");
    }
    const std::string body(static_cast<std::size_t>(row_bytes), 'x');

    using Clock = std::chrono::steady_clock;
    const auto commit_one = [&](Clock::time_point at) {
        bool ok = exec(db, "BEGIN");
        sqlite3_bind_int64(
            insert, 1,
            std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
        sqlite3_bind_text(insert, 2, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
        ok = ok && sqlite3_step(insert) == SQLITE_DONE;
        sqlite3_reset(insert);
        return ok && exec(db, "COMMIT");
    };
    for (int i = 0; i < warmup_commits; ++i) {
        if (!commit_one(Clock::now())) {
            sqlite3_finalize(insert);
            sqlite3_close(db);
            return fail("a warm-up commit failed");
        }
    }
    std::vector<double> latencies_ms;
    const auto start = Clock::now();
    const auto end = start + std::chrono::seconds(seconds);
    auto now = start;
    while (now < end) {
        const auto begin = now;
        if (!commit_one(begin)) {
            sqlite3_finalize(insert);
            sqlite3_close(db);
            return fail("a commit failed");
        }
        now = Clock::now();
        latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - begin).count());
    }
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const std::size_t commits = latencies_ms.size();
    const double p50 = percentile_ms(latencies_ms, 0.50);
    const double p99 = percentile_ms(latencies_ms, 0.99);
    std::printf(
        "{\"commits\":%zu,\"seconds\":%.3f,\"commits_per_second\":%.1f,\"p50_ms\":%.3f,"
        "\"p99_ms\":%.3f}\n",
        commits, elapsed, static_cast<double>(commits) / elapsed, p50, p99);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return 0;
}
