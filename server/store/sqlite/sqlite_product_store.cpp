// server/store/sqlite/sqlite_product_store.cpp: SQL for products.
#include "store/sqlite/sqlite_product_store.h"

#include "auth/api_keys.h"

namespace hilt::server {

namespace {

Result<models::Product> product_from_row(const Statement& stmt, int column) {
    auto json = models::parse_json_text(stmt.column_text(column));
    if (!json) return fail(ErrorCode::Internal, "stored product is not JSON");
    models::Product product;
    if (auto status = from_json(*json, product); !status) {
        return fail(ErrorCode::Internal,
                    "stored product does not parse: " + describe(status.error()));
    }
    return product;
}

}  // namespace

Status SqliteProductStore::write_locked(const models::Product& product) {
    auto stmt = db_.prepare(
        "UPDATE products SET status = ?, body = ?, updated_at = ? WHERE product_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, to_string(product.status))
        .bind(2, models::dump(product))
        .bind(3, product.updated_at.unix_seconds)
        .bind(4, std::string_view(product.product_id));
    return stmt->run();
}

Result<models::Product> SqliteProductStore::create(const std::string& merchant_id,
                                                   const models::ProductRequest& request,
                                                   const std::string& public_url,
                                                   models::Timestamp now,
                                                   const solana::PublicKey& default_mint) {
    const std::string slug = new_slug(request.title);
    auto product = models::make_product(request, new_id(models::kProductIdPrefix), slug,
                                        public_url + "/p/" + slug, now, default_mint);
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(
        "INSERT INTO products(product_id, merchant_id, slug, status, body, created_at, updated_at)"
        " VALUES(?, ?, ?, ?, ?, ?, ?)");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(product.product_id))
        .bind(2, std::string_view(merchant_id))
        .bind(3, std::string_view(product.slug))
        .bind(4, to_string(product.status))
        .bind(5, models::dump(product))
        .bind(6, now.unix_seconds)
        .bind(7, now.unix_seconds);
    HILT_TRY(stmt->run());
    revision_.fetch_add(1);
    return product;
}

Result<models::Product> SqliteProductStore::get_locked(const std::string& merchant_id,
                                                       const std::string& product_id) {
    auto stmt = db_.prepare("SELECT body FROM products WHERE product_id = ? AND merchant_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(product_id)).bind(2, std::string_view(merchant_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such product");
    return product_from_row(*stmt, 0);
}

Result<models::Product> SqliteProductStore::get(const std::string& merchant_id,
                                                const std::string& product_id) {
    std::lock_guard lock(mutex_);
    return get_locked(merchant_id, product_id);
}

Result<ProductPage> SqliteProductStore::list(const std::string& merchant_id,
                                             const ProductListQuery& query) {
    std::lock_guard lock(mutex_);
    std::int64_t before = INT64_MAX;
    if (query.starting_after) {
        auto cursor =
            db_.prepare("SELECT seq FROM products WHERE product_id = ? AND merchant_id = ?");
        if (!cursor) return cursor.error();
        cursor->bind(1, std::string_view(*query.starting_after))
            .bind(2, std::string_view(merchant_id));
        auto row = cursor->step();
        if (!row) return row.error();
        if (*row != StepResult::Row) {
            return fail(ErrorCode::InvalidValue, "starting_after names no product of yours",
                        "starting_after");
        }
        before = cursor->column_int(0);
    }
    auto stmt = db_.prepare(
        "SELECT body FROM products WHERE merchant_id = ? AND seq < ? AND (? IS NULL OR status = ?)"
        " ORDER BY seq DESC LIMIT ?");
    if (!stmt) return stmt.error();
    std::optional<std::string> status;
    if (query.status) status = std::string(to_string(*query.status));
    stmt->bind(1, std::string_view(merchant_id))
        .bind(2, before)
        .bind(3, status)
        .bind(4, status)
        .bind(5, static_cast<std::int64_t>(query.limit + 1));
    ProductPage page;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) break;
        auto product = product_from_row(*stmt, 0);
        if (!product) return product.error();
        page.data.push_back(std::move(*product));
    }
    if (page.data.size() > query.limit) {
        page.data.pop_back();
        page.has_more = true;
    }
    return page;
}

Result<models::Product> SqliteProductStore::update(const std::string& merchant_id,
                                                   const std::string& product_id,
                                                   const models::ProductUpdate& update,
                                                   models::Timestamp now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto current = get_locked(merchant_id, product_id);
    if (!current) return current.error();
    auto merged = models::apply_update(*current, update, now);
    if (!merged) return merged.error();
    HILT_TRY(write_locked(*merged));
    HILT_TRY(tx->commit());
    revision_.fetch_add(1);
    return merged;
}

Result<models::Product> SqliteProductStore::archive(const std::string& merchant_id,
                                                    const std::string& product_id,
                                                    models::Timestamp now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto product = get_locked(merchant_id, product_id);
    if (!product) return product.error();
    if (product->status == models::ProductStatus::Archived) return product;
    product->status = models::ProductStatus::Archived;
    product->updated_at = now;
    HILT_TRY(write_locked(*product));
    HILT_TRY(tx->commit());
    revision_.fetch_add(1);
    return product;
}

Result<models::Product> SqliteProductStore::find_by_slug(const std::string& slug) {
    auto reader = reads_.lease();
    auto stmt = reader.db().prepare("SELECT body FROM products WHERE slug = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(slug));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such checkout");
    return product_from_row(*stmt, 0);
}

Result<std::string> SqliteProductStore::owner_of(const std::string& product_id) {
    auto reader = reads_.lease();
    auto stmt = reader.db().prepare("SELECT merchant_id FROM products WHERE product_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(product_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such product");
    return stmt->column_text(0);
}

}  // namespace hilt::server
