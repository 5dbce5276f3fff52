// server/store/product_store.h: products, owned by one merchant each, as an interface any storage
// backend implements (SQLite: store/sqlite/sqlite_product_store.h).
//  - Every merchant-side read and write is scoped by merchant_id: another merchant's product is
//    not_found, never forbidden (api.md: never reveal that it exists).
//  - The public read by slug sees every merchant's products (it is what a checkout link points at).
//  - Slugs are the title's letters and digits plus a random suffix (new_slug), unique per
//    deployment.
// Must never: hold SQL or a backend's types. Slug rules live here so every backend makes the same.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "models/product.h"

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

// The title-derived part of a slug: lowercase ASCII letters and digits, runs of anything else as
// one '-'.
std::string slug_base(std::string_view title);
// A fresh slug for a product with this title: slug_base(title) + "-" + a random suffix (the suffix
// alone when the title has no letters or digits).
std::string new_slug(std::string_view title);

class ProductStore {
public:
    virtual ~ProductStore() = default;

    // Assigns product_id, slug (new_slug) and checkout_url (public_url + "/p/" + slug).
    [[nodiscard]] virtual Result<models::Product> create(const std::string& merchant_id,
                                                         const models::ProductRequest& request,
                                                         const std::string& public_url,
                                                         models::Timestamp now,
                                                         const solana::PublicKey& default_mint) = 0;
    [[nodiscard]] virtual Result<models::Product> get(const std::string& merchant_id,
                                                      const std::string& product_id) = 0;
    // Newest first; starting_after must name one of this merchant's products (invalid_value
    // otherwise).
    [[nodiscard]] virtual Result<ProductPage> list(const std::string& merchant_id,
                                                   const ProductListQuery& query) = 0;
    // Read, merge (models::apply_update) and write in one store transaction.
    [[nodiscard]] virtual Result<models::Product> update(const std::string& merchant_id,
                                                         const std::string& product_id,
                                                         const models::ProductUpdate& update,
                                                         models::Timestamp now) = 0;
    // Idempotent: archiving an archived product returns it unchanged.
    [[nodiscard]] virtual Result<models::Product> archive(const std::string& merchant_id,
                                                          const std::string& product_id,
                                                          models::Timestamp now) = 0;
    // Any merchant's product, for the public routes (the caller decides what ARCHIVED means there).
    [[nodiscard]] virtual Result<models::Product> find_by_slug(const std::string& slug) = 0;
    // The merchant_id owning a product (for the public routes, which find products by slug).
    [[nodiscard]] virtual Result<std::string> owner_of(const std::string& product_id) = 0;
    // Grows after every committed write through this store (create, update, archive), so a cache of
    // what products render to (the public payload) is valid while the revision it was filled at holds.
    // Writes by another process sharing the storage are not seen: such caches also expire by time.
    virtual std::uint64_t revision() const = 0;
};

}  // namespace hilt::server
