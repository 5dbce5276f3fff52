// server/store/support_store.h: buyers' support cases about their payments, routed to the payment's
// merchant.
//
// Owns: the SupportStore interface any storage backend implements (SQLite:
// store/sqlite/sqlite_support_store.h): opening a case together with its support.case_created event
// (and so its webhook outbox rows) in one store transaction, the merchant's scoped reads, closing.
// Must never (any backend): let one merchant read or close another's case (not_found, as for an
// unknown id), open a case without its event, or hold more than kMaxOpenCasesPerPayment open cases
// on one payment. This header holds no SQL and no backend's types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "models/event.h"
#include "models/support.h"

namespace hilt::server {

// Open cases one payment may have at once: room for a follow-up or two, while a script that knows a
// payment id cannot flood its merchant (409 too_many_open_cases; closing one makes room).
inline constexpr std::size_t kMaxOpenCasesPerPayment = 5;

struct SupportCaseListQuery {
    std::size_t limit = 20;
    std::optional<std::string> starting_after;
    std::optional<models::SupportCaseStatus> status;
    std::optional<std::string> payment_id;
};

class SupportStore {
public:
    virtual ~SupportStore() = default;

    // A new OPEN case about `payment_id` (any merchant's: the buyer's route has no credentials) for
    // the payment's merchant, with its support.case_created event, in one store transaction.
    // not_found for an unknown payment; too_many_open_cases when the payment already has
    // kMaxOpenCasesPerPayment open ones.
    [[nodiscard]] virtual Result<models::SupportCase> open_case(
        const std::string& payment_id, const models::SupportCaseRequest& request,
        std::int64_t now) = 0;
    // not_found for another merchant's case, as for one that does not exist.
    [[nodiscard]] virtual Result<models::SupportCase> case_for(const std::string& merchant_id,
                                                               const std::string& case_id) = 0;
    // Newest first; starting_after must name one of this merchant's cases (invalid_value
    // otherwise).
    [[nodiscard]] virtual Result<models::ListPage<models::SupportCase>> list_cases(
        const std::string& merchant_id, const SupportCaseListQuery& query) = 0;
    // OPEN -> CLOSED with the merchant's resolution; a case already CLOSED is returned unchanged.
    [[nodiscard]] virtual Result<models::SupportCase> close_case(
        const std::string& merchant_id, const std::string& case_id,
        const std::optional<std::string>& resolution, std::int64_t now) = 0;
    // The cases of each of these payments of this merchant, newest first, in one read (a page of
    // the payment trail). Payments without cases are absent from the map.
    [[nodiscard]] virtual Result<
        std::unordered_map<std::string, std::vector<models::SupportCaseSummary>>>
    summaries_for_payments(const std::string& merchant_id,
                           const std::vector<std::string>& payment_ids) = 0;
};

}  // namespace hilt::server
