// shared/solanapay/transaction_request.cpp: transaction request URLs and their JSON exchanges.
#include "solanapay/transaction_request.h"

#include <nlohmann/json.hpp>

#include "encoding/base64.h"
#include "encoding/url.h"
#include "solanapay/solana_url.h"

namespace hilt::solanapay {

namespace {

using nlohmann::json;

Error bad(std::string field, std::string message) {
    return fail(ErrorCode::InvalidSolanaPayUrl, std::move(message), std::move(field));
}

bool is_ascii_printable(std::string_view text) {
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f) return false;
    }
    return true;
}

bool is_valid_redirect(std::string_view redirect) {
    return is_https_url(redirect) ||
           (url_scheme(redirect) == kSolanaScheme && split_solana_url(redirect).ok());
}

// ---- non-throwing JSON reading ----

Result<json> parse_object(std::string_view text) {
    if (text.size() > kMaxJsonBodyBytes) {
        return fail(ErrorCode::PayloadTooLarge, "the JSON body is larger than 16 KiB");
    }
    json value = json::parse(text, nullptr, false);
    if (value.is_discarded()) return fail(ErrorCode::InvalidJson, "the body is not valid JSON");
    if (!value.is_object()) return fail(ErrorCode::WrongType, "the body must be a JSON object");
    return value;
}

// The string at `key`: absent -> nullopt (or missing_field when required), not a string ->
// wrong_type.
Result<std::optional<std::string>> read_string(const json& object, const char* key, bool required) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        if (required) return fail(ErrorCode::MissingField, std::string(key) + " is required", key);
        return std::optional<std::string>{};
    }
    if (!it->is_string())
        return fail(ErrorCode::WrongType, std::string(key) + " must be a string", key);
    return std::optional<std::string>(it->get_ref<const std::string&>());
}

Status check_text(const std::string& text, const char* key, bool required) {
    if (required && text.empty())
        return fail(ErrorCode::MissingField, std::string(key) + " is empty", key);
    if (text.size() > kMaxTextBytes) {
        return fail(ErrorCode::TooLong, std::string(key) + " is longer than 1024 bytes", key);
    }
    if (!is_valid_utf8(text))
        return fail(ErrorCode::InvalidUtf8, std::string(key) + " is not UTF-8", key);
    return {};
}

Status check_icon(const std::string& icon) {
    if (!is_valid_utf8(icon) || (!is_absolute_url_with_scheme(icon, "https") &&
                                 !is_absolute_url_with_scheme(icon, "http"))) {
        return fail(ErrorCode::InvalidUrl, "icon must be an absolute http or https URL", "icon");
    }
    return {};
}

Status check_transaction(const Bytes& transaction) {
    if (transaction.empty() || transaction.size() > kMaxTransactionBytes) {
        return fail(ErrorCode::InvalidLength, "transaction must be 1 to 1232 bytes", "transaction");
    }
    return {};
}

Status check_redirect(const std::string& redirect) {
    if (!redirect.empty() && (!is_valid_utf8(redirect) || !is_valid_redirect(redirect))) {
        return fail(ErrorCode::InvalidUrl, "redirect must be an absolute https or solana: URL",
                    "redirect");
    }
    return {};
}

}  // namespace

Result<std::string> encode_transaction_request(const TransactionRequest& request) {
    if (!is_https_url(request.link) || !is_ascii_printable(request.link)) {
        return bad("link", "link must be an absolute https URL in ASCII, without a fragment");
    }
    const bool encode = request.link.find_first_of("?%") != std::string::npos;
    std::string url = std::string(kSolanaScheme) + ":" +
                      (encode ? percent_encode_component(request.link) : request.link);
    QueryParams params;
    const std::pair<const char*, const std::string*> texts[] = {{"label", &request.label},
                                                                {"message", &request.message}};
    for (const auto& [name, value] : texts) {
        if (value->empty()) continue;
        if (!is_valid_utf8(*value)) return bad(name, std::string(name) + " is not valid UTF-8");
        params.push_back({name, *value});
    }
    if (!params.empty()) url += "?" + build_query(params);
    if (url.size() > kMaxUrlLength)
        return bad("url", "the URL would be longer than 2048 characters");
    return url;
}

Result<TransactionRequest> parse_transaction_request(std::string_view url) {
    auto parts = split_solana_url(url);
    if (!parts) return parts.error();
    if (!is_transaction_request_path(parts->pathname)) {
        return bad("link", "this is a transfer request, not a transaction request link");
    }
    for (const std::string_view single : {"label", "message"}) {
        HILT_TRY(require_at_most_once(parts->params, single));
    }
    auto link = percent_decode(parts->pathname, false);
    if (!link) return bad("link", link.error().message);
    // ASCII, as encode_transaction_request requires: a canonical URL is (its non-ASCII is percent-encoded),
    // and a decoded non-ASCII byte here would make a link this module cannot write back.
    if (!is_https_url(*link) || !is_ascii_printable(*link)) {
        return bad("link", "link must be an absolute https URL in ASCII");
    }
    TransactionRequest request;
    request.link = std::move(*link);
    request.label = find_param(parts->params, "label").value_or("");
    request.message = find_param(parts->params, "message").value_or("");
    return request;
}

// ---- GET ----

Result<std::string> to_json(const TransactionRequestGetResponse& response) {
    HILT_TRY(check_text(response.label, "label", true));
    HILT_TRY(check_icon(response.icon));
    return json{{"label", response.label}, {"icon", response.icon}}.dump();
}

Result<TransactionRequestGetResponse> parse_get_response(std::string_view text) {
    auto object = parse_object(text);
    if (!object) return object.error();
    auto label = read_string(*object, "label", true);
    if (!label) return label.error();
    auto icon = read_string(*object, "icon", true);
    if (!icon) return icon.error();
    TransactionRequestGetResponse response{**label, **icon};
    HILT_TRY(check_text(response.label, "label", true));
    HILT_TRY(check_icon(response.icon));
    return response;
}

// ---- POST body ----

std::string to_json(const TransactionRequestPostBody& body) {
    return json{{"account", body.account.to_base58()}}.dump();
}

Result<TransactionRequestPostBody> parse_post_body(std::string_view text) {
    auto object = parse_object(text);
    if (!object) return object.error();
    auto account = read_string(*object, "account", true);
    if (!account) return account.error();
    auto key = solana::PublicKey::parse(**account);
    if (!key) return at("account", key.error());
    return TransactionRequestPostBody{*key};
}

// ---- POST response ----

Result<std::string> to_json(const TransactionRequestPostResponse& response) {
    HILT_TRY(check_transaction(response.transaction));
    HILT_TRY(check_text(response.message, "message", false));
    HILT_TRY(check_redirect(response.redirect));
    json out{{"transaction", base64_encode(response.transaction)}};
    if (!response.message.empty()) out["message"] = response.message;
    if (!response.redirect.empty()) out["redirect"] = response.redirect;
    return out.dump();
}

Result<TransactionRequestPostResponse> parse_post_response(std::string_view text) {
    auto object = parse_object(text);
    if (!object) return object.error();
    auto transaction = read_string(*object, "transaction", true);
    if (!transaction) return transaction.error();
    auto message = read_string(*object, "message", false);
    if (!message) return message.error();
    auto redirect = read_string(*object, "redirect", false);
    if (!redirect) return redirect.error();
    // Bound the base64 text before decoding it.
    if ((*transaction)->size() > (kMaxTransactionBytes + 2) / 3 * 4) {
        return fail(ErrorCode::InvalidLength, "transaction must be 1 to 1232 bytes", "transaction");
    }
    auto bytes = base64_decode(**transaction);
    if (!bytes) return at("transaction", bytes.error());
    TransactionRequestPostResponse response{std::move(*bytes), message->value_or(""),
                                            redirect->value_or("")};
    HILT_TRY(check_transaction(response.transaction));
    HILT_TRY(check_text(response.message, "message", false));
    HILT_TRY(check_redirect(response.redirect));
    return response;
}

// ---- error body ----

Result<std::string> to_json(const TransactionRequestErrorBody& body) {
    HILT_TRY(check_text(body.message, "message", false));
    if (body.message.empty()) return std::string("{}");
    return json{{"message", body.message}}.dump();
}

Result<TransactionRequestErrorBody> parse_error_body(std::string_view text) {
    auto object = parse_object(text);
    if (!object) return object.error();
    auto message = read_string(*object, "message", false);
    if (!message) return message.error();
    TransactionRequestErrorBody body{message->value_or("")};
    HILT_TRY(check_text(body.message, "message", false));
    return body;
}

}  // namespace hilt::solanapay
