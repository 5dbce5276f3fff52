// shared/solanapay/solana_url.cpp: the solana: URL envelope and the transfer/transaction dispatch.
#include "solanapay/solana_url.h"

namespace hilt::solanapay {

namespace {
Error bad(std::string field, std::string message) {
    return fail(ErrorCode::InvalidSolanaPayUrl, std::move(message), std::move(field));
}
}  // namespace

Result<SolanaUrlParts> split_solana_url(std::string_view url) {
    if (url.size() > kMaxUrlLength)
        return bad("url", "a Solana Pay URL is at most 2048 characters");
    if (url_scheme(url) != kSolanaScheme) return bad("url", "a Solana Pay URL starts with solana:");
    for (const char ch : url) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7f) {
            return bad("url", "a Solana Pay URL may not contain spaces or control characters");
        }
        if (ch == '#') return bad("url", "a Solana Pay URL may not contain a fragment ('#')");
    }
    const std::string_view rest = url.substr(kSolanaScheme.size() + 1);
    const std::size_t question = rest.find('?');
    SolanaUrlParts parts;
    parts.pathname = std::string(rest.substr(0, question));
    if (parts.pathname.empty()) return bad("url", "the Solana Pay URL has no recipient or link");
    if (question != std::string_view::npos) {
        auto params = parse_query(rest.substr(question + 1));
        if (!params) {
            const Error& error = params.error();
            return bad(error.field.empty() ? "url" : error.field, error.message);
        }
        parts.params = std::move(*params);
    }
    return parts;
}

bool is_transaction_request_path(std::string_view pathname) {
    return pathname.find_first_of(":%") != std::string_view::npos;
}

Status require_at_most_once(const QueryParams& params, std::string_view key) {
    if (count_param(params, key) > 1) {
        return bad(std::string(key), std::string(key) + " may appear only once");
    }
    return {};
}

Result<SolanaPayUrl> parse_solana_pay_url(std::string_view url,
                                          std::optional<std::uint8_t> token_decimals) {
    auto parts = split_solana_url(url);
    if (!parts) return parts.error();
    if (is_transaction_request_path(parts->pathname)) {
        auto request = parse_transaction_request(url);
        if (!request) return request.error();
        return SolanaPayUrl(std::move(*request));
    }
    auto request = parse_transfer_request(url, token_decimals);
    if (!request) return request.error();
    return SolanaPayUrl(std::move(*request));
}

}  // namespace hilt::solanapay
