// server/store/sqlite/sqlite_product_store.h: ProductStore on SQLite (table products: the
// product's API JSON plus the columns queries need).
// Must never: run SQL without holding the shared connection's mutex.
#pragma once

#include <atomic>
#include <mutex>

#include "store/product_store.h"
#include "store/sqlite/database.h"
#include "store/sqlite/read_pool.h"

namespace hilt::server {

class SqliteProductStore final : public ProductStore {
public:
    // The store shares one connection with the rest of hiltd; `mutex` serialises access to it. The
    // public reads (find_by_slug, owner_of) use `reads`.
    SqliteProductStore(Database& db, std::mutex& mutex, ReadPool& reads) : db_(db), mutex_(mutex), reads_(reads) {}

    [[nodiscard]] Result<models::Product> create(const std::string& merchant_id,
                                                 const models::ProductRequest& request,
                                                 const std::string& public_url,
                                                 models::Timestamp now,
                                                 const solana::PublicKey& default_mint) override;
    [[nodiscard]] Result<models::Product> get(const std::string& merchant_id,
                                              const std::string& product_id) override;
    [[nodiscard]] Result<ProductPage> list(const std::string& merchant_id,
                                           const ProductListQuery& query) override;
    [[nodiscard]] Result<models::Product> update(const std::string& merchant_id,
                                                 const std::string& product_id,
                                                 const models::ProductUpdate& update,
                                                 models::Timestamp now) override;
    [[nodiscard]] Result<models::Product> archive(const std::string& merchant_id,
                                                  const std::string& product_id,
                                                  models::Timestamp now) override;
    [[nodiscard]] Result<models::Product> find_by_slug(const std::string& slug) override;
    [[nodiscard]] Result<std::string> owner_of(const std::string& product_id) override;
    std::uint64_t revision() const override { return revision_.load(); }

private:
    [[nodiscard]] Result<models::Product> get_locked(const std::string& merchant_id,
                                                     const std::string& product_id);
    [[nodiscard]] Status write_locked(const models::Product& product);
    Database& db_;
    std::mutex& mutex_;
    ReadPool& reads_;
    std::atomic<std::uint64_t> revision_{0};  // bumped after each committed write
};

}  // namespace hilt::server
