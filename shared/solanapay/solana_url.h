// shared/solanapay/solana_url.h: the `solana:` URL envelope shared by transfer and transaction
// requests, and the one entry point that tells them apart.
//
// Owns: the length limit, the scheme check, splitting pathname from the strictly decoded query,
// and the parseURL rule "a pathname containing ':' or '%' is a transaction request".
// Must never: decode the pathname of a transfer request (a recipient is raw base58), or accept a
// fragment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.h"
#include "encoding/url.h"
#include "solanapay/transaction_request.h"
#include "solanapay/transfer_request.h"

namespace hilt::solanapay {

struct SolanaUrlParts {
    std::string pathname;  // as written, not decoded
    QueryParams params;    // decoded
};

// Checks length (<= kMaxUrlLength), scheme "solana:" (case-insensitive), no raw spaces or control
// characters, no '#', and a non-empty pathname; then decodes the query. Errors are
// invalid_solana_pay_url with field "url", or the parameter's name when one of its values is badly
// encoded.
[[nodiscard]] Result<SolanaUrlParts> split_solana_url(std::string_view url);

// parseURL's dispatch rule: ':' or '%' in the pathname means a transaction request link.
bool is_transaction_request_path(std::string_view pathname);

// invalid_solana_pay_url (field = key) when `key` occurs more than once.
[[nodiscard]] Status require_at_most_once(const QueryParams& params, std::string_view key);

using SolanaPayUrl = std::variant<TransferRequest, TransactionRequest>;

// Parses either kind of Solana Pay URL; `token_decimals` as in parse_transfer_request.
[[nodiscard]] Result<SolanaPayUrl> parse_solana_pay_url(
    std::string_view url, std::optional<std::uint8_t> token_decimals = std::nullopt);

}  // namespace hilt::solanapay
