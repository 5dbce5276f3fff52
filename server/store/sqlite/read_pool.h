// server/store/sqlite/read_pool.h: read-only connections for the hot public reads.
//
// Every write goes through one connection and its mutex, and under synchronous=FULL a commit holds that
// mutex while the disk flushes. Reads on the same connection queued behind each flush: a buyer's payload,
// connect or status poll waited for other buyers' commits (scripts/bench (c), (d)). In WAL mode readers
// on their own connections neither block the writer nor wait for it and see every transaction committed
// before their read began, so the public reads (a product by slug, a payment's status) use a small pool
// of such connections instead.
// Must never: write (the connections are query_only), or hand one connection to two threads at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite/database.h"

namespace hilt::server {

// Read connections per hiltd: reads are short, and more connections than cores only wait on each other.
inline constexpr std::size_t kReadPoolSize = 4;

class ReadPool {
public:
    // Opens `size` read connections to the file at `path`. A ":memory:" database is private to its one
    // connection, so there `writer` (with `writer_mutex`) serves the reads too.
    [[nodiscard]] static Result<std::unique_ptr<ReadPool>> open(const std::string& path, std::size_t size,
                                                                Database& writer, std::mutex& writer_mutex);

    // One connection, held until the lease goes out of scope.
    class Lease {
    public:
        Database& db() { return *db_; }

    private:
        friend class ReadPool;
        Lease(Database& db, std::unique_lock<std::mutex> lock) : db_(&db), lock_(std::move(lock)) {}
        Database* db_;
        std::unique_lock<std::mutex> lock_;
    };
    Lease lease();

private:
    struct Reader {
        explicit Reader(Database opened) : db(std::move(opened)) {}
        Database db;
        std::mutex mutex;
    };
    ReadPool(Database& writer, std::mutex& writer_mutex) : writer_(writer), writer_mutex_(writer_mutex) {}

    std::vector<std::unique_ptr<Reader>> readers_;
    Database& writer_;
    std::mutex& writer_mutex_;
    std::atomic<std::size_t> next_{0};
};

}  // namespace hilt::server
