// server/store/stores.h: everything hiltd keeps, as the store interfaces one backend provides
// together. A backend's factory (SQLite: store/sqlite/sqlite_stores.h) opens its storage, brings
// the schema up to date and returns a Stores; the rest of the server sees only these interfaces.
// Must never: name a backend's types (what the stores share stays behind `backend`).
#pragma once

#include <memory>

#include "store/analytics_store.h"
#include "store/idempotency_store.h"
#include "store/merchant_store.h"
#include "store/payment_store.h"
#include "store/product_store.h"
#include "store/secrets.h"
#include "store/support_store.h"
#include "store/webhook_store.h"

namespace hilt::server {

struct Stores {
    // What the stores below share, owned here and opaque to callers. Declared first so that it is
    // destroyed last, after every store that refers to it.
    std::shared_ptr<void> backend;
    std::unique_ptr<MerchantStore> merchants;
    std::unique_ptr<ProductStore> products;
    std::unique_ptr<IdempotencyStore> idempotency;
    std::unique_ptr<PaymentStore> payments;
    std::unique_ptr<SecretStore> secrets;
    std::unique_ptr<AnalyticsStore> analytics;
    std::unique_ptr<SupportStore> support;
    std::unique_ptr<WebhookStore> webhooks;
};

}  // namespace hilt::server
