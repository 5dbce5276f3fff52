// server/store/product_store.h: products, owned by one merchant each.
//  - Every merchant-side read and write is scoped by merchant_id: another merchant's product is not_found,
//    never forbidden (api.md: never reveal that it exists).
//  - The public read by slug sees every merchant's products (it is what a checkout link points at).
//  - Slugs are derived from the title plus a random suffix and are unique per deployment.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "models/product.h"
#include "store/sqlite.h"

namespace hilt::server {

struct ProductPage {
    std::vector<models::Product> data;
    bool has_more = false;
};

struct ProductListQuery {
    std::size_t limit = 20;
    std::optional<std::string> starting_after;
    std::optional<models::ProductStatus> status;
};

// The title-derived part of a slug: lowercase ASCII letters and digits, runs of anything else as one '-'.
std::string slug_base(std::string_view title);

class ProductStore {
public:
    ProductStore(Database& db, std::mutex& mutex) : db_(db), mutex_(mutex) {}

    // Assigns product_id, slug and checkout_url (public_url + "/p/" + slug).
    [[nodiscard]] Result<models::Product> create(const std::string& merchant_id,
                                                 const models::ProductRequest& request,
                                                 const std::string& public_url, models::Timestamp now,
                                                 const solana::PublicKey& default_mint);
    [[nodiscard]] Result<models::Product> get(const std::string& merchant_id, const std::string& product_id);
    [[nodiscard]] Result<ProductPage> list(const std::string& merchant_id, const ProductListQuery& query);
    [[nodiscard]] Result<models::Product> update(const std::string& merchant_id, const std::string& product_id,
                                                 const models::ProductUpdate& update, models::Timestamp now);
    // Idempotent: archiving an archived product returns it unchanged.
    [[nodiscard]] Result<models::Product> archive(const std::string& merchant_id,
                                                  const std::string& product_id, models::Timestamp now);
    // Any merchant's product, for the public routes (the caller decides what ARCHIVED means there).
    [[nodiscard]] Result<models::Product> find_by_slug(const std::string& slug);
    // The merchant_id owning a product (for the public routes, which find products by slug).
    [[nodiscard]] Result<std::string> owner_of(const std::string& product_id);

private:
    [[nodiscard]] Result<models::Product> get_locked(const std::string& merchant_id,
                                                     const std::string& product_id);
    [[nodiscard]] Status write_locked(const models::Product& product);
    Database& db_;
    std::mutex& mutex_;
};

}  // namespace hilt::server
