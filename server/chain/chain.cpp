// server/chain/chain.cpp: the small value helpers of the Chain interface (commitment names,
// preflight rejections). Must never: talk to a cluster; backends live in their own files.
#include "chain/chain.h"

namespace hilt::server {

namespace {
constexpr std::string_view kRejectionSeparator = ": ";
}  // namespace

std::string_view to_string(Commitment commitment) {
    switch (commitment) {
        case Commitment::Processed:
            return "processed";
        case Commitment::Confirmed:
            return "confirmed";
        case Commitment::Finalized:
            return "finalized";
    }
    return "processed";
}

Error rejection(const TransactionError& err) {
    return fail(ErrorCode::TransactionRejected,
                err.name + std::string(kRejectionSeparator) + err.detail, "err");
}

std::string rejection_name(const Error& error) {
    if (error.code != ErrorCode::TransactionRejected) return {};
    const auto end = error.message.find(kRejectionSeparator);
    return end == std::string::npos ? error.message : error.message.substr(0, end);
}

}  // namespace hilt::server
