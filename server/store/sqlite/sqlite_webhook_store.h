// server/store/sqlite/sqlite_webhook_store.h: WebhookStore on SQLite (tables webhook_endpoints,
// webhook_deliveries, webhook_attempts; migration 6). Attempts are recorded through a GroupCommit: the
// delivery worker's threads finish in bursts and share one flush. Reads that write nothing (the outbox, a
// message, the delivery log) go to the read pool's connections.
// Must never: run SQL on the shared writer connection without holding its mutex.
#pragma once

#include <mutex>

#include "store/sqlite/database.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/read_pool.h"
#include "store/webhook_store.h"

namespace hilt::server {

class SqliteWebhookStore final : public WebhookStore {
public:
    SqliteWebhookStore(Database& db, std::mutex& mutex, ReadPool& reads)
        : db_(db), mutex_(mutex), reads_(reads), group_commit_(db, mutex) {}

    [[nodiscard]] Status create_endpoint(const WebhookEndpointRecord& endpoint) override;
    [[nodiscard]] Result<WebhookEndpointRecord> endpoint(const std::string& merchant_id,
                                                         const std::string& endpoint_id) override;
    [[nodiscard]] Result<models::ListPage<WebhookEndpointRecord>> list_endpoints(
        const std::string& merchant_id, std::size_t limit,
        const std::optional<std::string>& starting_after) override;
    [[nodiscard]] Status delete_endpoint(const std::string& merchant_id, const std::string& endpoint_id,
                                         std::int64_t now_seconds) override;
    [[nodiscard]] Result<WebhookEndpointRecord> rotate_secret(const std::string& merchant_id,
                                                              const std::string& endpoint_id,
                                                              const std::string& new_secret,
                                                              std::int64_t previous_expires_at,
                                                              std::int64_t now_seconds) override;
    [[nodiscard]] Result<std::vector<DueDelivery>> due(std::int64_t now_ms, std::size_t per_endpoint,
                                                       std::size_t limit) override;
    [[nodiscard]] Result<DeliveryMessage> message(const std::string& event_id, const std::string& endpoint_id,
                                                   std::int64_t now_ms) override;
    [[nodiscard]] Status record_attempts(std::span<const AttemptRecord> records, std::int64_t now_ms) override;
    [[nodiscard]] Result<std::vector<models::WebhookDelivery>> deliveries(const std::string& merchant_id,
                                                                          const std::string& event_id) override;
    [[nodiscard]] Status redeliver(const std::string& merchant_id, const std::string& event_id,
                                   const std::optional<std::string>& endpoint_id, std::int64_t now_ms) override;

private:
    [[nodiscard]] static Result<WebhookEndpointRecord> endpoint_locked(Database& db, const std::string& merchant_id,
                                                                       const std::string& endpoint_id);
    Database& db_;
    std::mutex& mutex_;
    ReadPool& reads_;
    GroupCommit group_commit_;
};

}  // namespace hilt::server
