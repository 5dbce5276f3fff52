// server/store/sqlite/read_pool.cpp: opening the read connections and leasing a free one (see the header).
#include "store/sqlite/read_pool.h"

namespace hilt::server {

Result<std::unique_ptr<ReadPool>> ReadPool::open(const std::string& path, std::size_t size, Database& writer,
                                                 std::mutex& writer_mutex) {
    std::unique_ptr<ReadPool> pool(new ReadPool(writer, writer_mutex));
    if (path == ":memory:" || path.empty()) return pool;
    for (std::size_t i = 0; i < size; ++i) {
        auto db = Database::open(path);
        if (!db) return db.error();
        HILT_TRY(db->exec("PRAGMA query_only=ON"));
        pool->readers_.push_back(std::make_unique<Reader>(std::move(*db)));
    }
    return pool;
}

ReadPool::Lease ReadPool::lease() {
    if (readers_.empty()) return Lease(writer_, std::unique_lock(writer_mutex_));
    // A free connection if there is one (round robin from a moving start), else wait for the next one.
    const std::size_t start = next_.fetch_add(1);
    for (std::size_t i = 0; i < readers_.size(); ++i) {
        auto& reader = *readers_[(start + i) % readers_.size()];
        std::unique_lock lock(reader.mutex, std::try_to_lock);
        if (lock.owns_lock()) return Lease(reader.db, std::move(lock));
    }
    auto& reader = *readers_[start % readers_.size()];
    return Lease(reader.db, std::unique_lock(reader.mutex));
}

}  // namespace hilt::server
