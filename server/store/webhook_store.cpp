// server/store/webhook_store.cpp: what every WebhookStore backend shares.
#include "store/webhook_store.h"

namespace hilt::server {

models::WebhookEndpoint to_api_endpoint(const WebhookEndpointRecord& record, std::int64_t now_seconds) {
    models::WebhookEndpoint out;
    out.id = record.endpoint_id;
    out.url = record.url;
    out.events = record.events;
    out.description = record.description;
    out.created_at = models::Timestamp{record.created_at};
    if (record.previous_secret && record.previous_secret_expires_at &&
        *record.previous_secret_expires_at > now_seconds) {
        out.previous_secret_expires_at = models::Timestamp{*record.previous_secret_expires_at};
    }
    return out;
}

}  // namespace hilt::server
