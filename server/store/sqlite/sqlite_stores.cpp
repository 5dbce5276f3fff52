// server/store/sqlite/sqlite_stores.cpp: one connection and its mutex, shared by the SQLite stores.
#include "store/sqlite/sqlite_stores.h"

#include <mutex>

#include "store/sqlite/checkpointer.h"
#include "store/sqlite/database.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/read_pool.h"
#include "store/sqlite/sqlite_analytics_store.h"
#include "store/sqlite/sqlite_idempotency_store.h"
#include "store/sqlite/sqlite_merchant_store.h"
#include "store/sqlite/sqlite_payment_store.h"
#include "store/sqlite/sqlite_product_store.h"
#include "store/sqlite/sqlite_secret_store.h"
#include "store/sqlite/sqlite_support_store.h"
#include "store/sqlite/sqlite_webhook_store.h"

namespace hilt::server {

namespace {
// What Stores::backend owns for SQLite.
struct SqliteConnection {
    explicit SqliteConnection(Database opened) : db(std::move(opened)) {}
    Database db;
    std::mutex mutex;
    std::unique_ptr<ReadPool> reads;  // closed before the writer
    std::unique_ptr<Checkpointer> checkpointer;  // declared last: stopped first
};
}  // namespace

Result<Stores> open_sqlite_stores(const std::string& path) {
    auto db = Database::open(path);
    if (!db) return db.error();
    HILT_TRY(migrate(*db, hiltd_migrations()));
    auto connection = std::make_shared<SqliteConnection>(std::move(*db));
    auto reads = ReadPool::open(path, kReadPoolSize, connection->db, connection->mutex);
    if (!reads) return reads.error();
    connection->reads = std::move(*reads);
    if (path != ":memory:" && !path.empty()) {
        // Checkpoints run in the background instead of inside an unlucky commit (checkpointer.h).
        HILT_TRY(connection->db.exec("PRAGMA wal_autocheckpoint=0"));
        auto checkpointer = Checkpointer::start(path, kCheckpointInterval);
        if (!checkpointer) return checkpointer.error();
        connection->checkpointer = std::move(*checkpointer);
    }
    Stores stores;
    stores.merchants = std::make_unique<SqliteMerchantStore>(connection->db, connection->mutex);
    stores.products = std::make_unique<SqliteProductStore>(connection->db, connection->mutex,
                                                           *connection->reads);
    stores.idempotency =
        std::make_unique<SqliteIdempotencyStore>(connection->db, connection->mutex);
    stores.payments = std::make_unique<SqlitePaymentStore>(connection->db, connection->mutex,
                                                           *connection->reads);
    stores.secrets = std::make_unique<SqliteSecretStore>(connection->db, connection->mutex);
    stores.analytics = std::make_unique<SqliteAnalyticsStore>(connection->db, connection->mutex,
                                                              *connection->reads);
    stores.support = std::make_unique<SqliteSupportStore>(connection->db, connection->mutex);
    stores.webhooks = std::make_unique<SqliteWebhookStore>(connection->db, connection->mutex,
                                                           *connection->reads);
    stores.backend = std::move(connection);
    return stores;
}

}  // namespace hilt::server
