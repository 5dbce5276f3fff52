// shared/phantom/deeplink.cpp: Phantom deeplink URLs, the encrypted session and redirect parsing.
#include "phantom/deeplink.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "encoding/base64.h"
#include "encoding/url.h"

namespace hilt::phantom {

namespace {

using nlohmann::json;

constexpr int kSessionFormatVersion = 1;

Error bad_redirect(std::string field, std::string message) {
    return fail(ErrorCode::InvalidRedirect, std::move(message), std::move(field));
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(const Bytes& bytes) {
    std::array<std::uint8_t, N> out{};
    std::copy_n(bytes.begin(), std::min(bytes.size(), N), out.begin());
    return out;
}

bool has_forbidden_raw(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c <= 0x20 || c == 0x7f;
    });
}

// https, or a custom app scheme ("myapp://…"); never a scheme that runs code or reads local data.
Status check_redirect_link(std::string_view link) {
    constexpr std::array<std::string_view, 8> kRefused = {"http", "javascript", "data",  "file",
                                                          "blob", "vbscript",   "about", "content"};
    const std::string scheme = url_scheme(link);
    bool ok = !scheme.empty() && !has_forbidden_raw(link) && is_valid_utf8(link) &&
              link.find('#') == std::string_view::npos &&
              std::find(kRefused.begin(), kRefused.end(), scheme) == kRefused.end();
    if (ok && scheme == "https") ok = is_https_url(link);
    if (ok) ok = link.size() > scheme.size() + 1;
    if (!ok) {
        return fail(ErrorCode::InvalidUrl,
                    "redirect_link must be an https URL or an app's own scheme, without a fragment",
                    "redirect_link");
    }
    return {};
}

Status check_length(const std::string& url) {
    if (url.size() > kMaxDeeplinkChars) {
        return fail(ErrorCode::TooLong,
                    "the deeplink would be longer than Phantom accepts (31,000 chars)");
    }
    return {};
}

// The query Phantom appended: the part after '?' of a URL, or the text itself when it is only a
// query.
std::string_view redirect_query(std::string_view text) {
    if (!url_scheme(text).empty()) return url_query(text);
    if (!text.empty() && text.front() == '?') text.remove_prefix(1);
    return text;
}

Result<QueryParams> read_redirect(std::string_view redirect_url,
                                  std::initializer_list<std::string_view> phantom_keys) {
    if (redirect_url.size() > kMaxRedirectChars) {
        return fail(ErrorCode::TooLong, "the redirect is longer than any answer from Phantom");
    }
    auto params = parse_query(redirect_query(redirect_url));
    if (!params) {
        const Error& error = params.error();
        return bad_redirect(error.field, error.message);
    }
    for (const std::string_view key : phantom_keys) {
        if (count_param(*params, key) > 1) {
            return bad_redirect(std::string(key), std::string(key) + " appears more than once");
        }
    }
    for (const std::string_view key : {"errorCode", "errorMessage"}) {
        if (count_param(*params, key) > 1) {
            return bad_redirect(std::string(key), std::string(key) + " appears more than once");
        }
    }
    return params;
}

// Cuts UTF-8 text to at most `limit` bytes without splitting a character.
std::string truncate_utf8(std::string text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
    text.resize(cut);
    return text;
}

// The rejection in `params`, if Phantom sent one.
Result<std::optional<PhantomError>> read_rejection(
    const QueryParams& params, std::initializer_list<std::string_view> approval_keys) {
    const auto code_text = find_param(params, "errorCode");
    if (!code_text) {
        if (find_param(params, "errorMessage")) {
            return bad_redirect("errorCode", "errorMessage came without an errorCode");
        }
        return std::optional<PhantomError>{};
    }
    for (const std::string_view key : approval_keys) {
        if (find_param(params, key)) {
            return bad_redirect(std::string(key),
                                "a rejection cannot also carry " + std::string(key));
        }
    }
    // An integer such as 4001 or -32603; ten digits is far beyond any JSON-RPC code.
    const std::string_view digits = !code_text->empty() && code_text->front() == '-'
                                        ? std::string_view(*code_text).substr(1)
                                        : std::string_view(*code_text);
    const bool numeric =
        !digits.empty() && digits.size() <= 9 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric) return bad_redirect("errorCode", "errorCode is not an integer");
    int code = 0;
    for (const char c : digits) code = code * 10 + (c - '0');
    if (digits.size() != code_text->size()) code = -code;
    PhantomError error;
    error.code = code;
    error.kind = phantom_error_kind(code);
    error.phantom_message =
        truncate_utf8(find_param(params, "errorMessage").value_or(""), kMaxErrorMessageChars);
    return std::optional<PhantomError>(std::move(error));
}

Result<std::string> required(const QueryParams& params, std::string_view key) {
    auto value = find_param(params, key);
    if (!value || value->empty())
        return bad_redirect(std::string(key), std::string(key) + " is missing");
    return std::move(*value);
}

// Decrypts `data` and returns it as a JSON object.
Result<json> decrypt_object(const DappSession& session, const QueryParams& params) {
    auto nonce = required(params, "nonce");
    if (!nonce) return nonce.error();
    auto data = required(params, "data");
    if (!data) return data.error();
    auto plaintext = session.decrypt(*nonce, *data);
    if (!plaintext) {
        Error error = plaintext.error();
        if (error.field.empty()) error.field = "data";
        return error;
    }
    json object = json::parse(*plaintext, nullptr, false);
    if (object.is_discarded() || !object.is_object()) {
        return bad_redirect("data", "Phantom's data is not a JSON object");
    }
    return object;
}

Result<std::string> read_data_string(const json& object, const char* key, std::size_t max_size) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
        return bad_redirect(std::string("data.") + key,
                            std::string(key) + " is missing from Phantom's data");
    }
    const auto& text = it->get_ref<const std::string&>();
    if (text.size() > max_size) {
        return fail(ErrorCode::TooLong, std::string(key) + " is too long",
                    std::string("data.") + key);
    }
    return text;
}

bool is_base58_text(std::string_view text) {
    constexpr std::string_view kAlphabet =
        "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    return !text.empty() && text.find_first_not_of(kAlphabet) == std::string_view::npos;
}

Result<std::string> encrypted_method_url(const DappSession& session, std::string_view method,
                                         const json& payload, std::string_view redirect_link,
                                         const Nonce24* nonce) {
    HILT_TRY(check_redirect_link(redirect_link));
    const std::string plaintext = payload.dump();
    auto encrypted = nonce ? session.encrypt(plaintext, *nonce) : session.encrypt(plaintext);
    if (!encrypted) return encrypted.error();
    const QueryParams params = {{"dapp_encryption_public_key", session.dapp_public_key_base58()},
                                {"nonce", encrypted->nonce},
                                {"redirect_link", std::string(redirect_link)},
                                {"payload", encrypted->payload}};
    std::string url = std::string(kDeeplinkBase) + std::string(method) + "?" + build_query(params);
    HILT_TRY(check_length(url));
    return url;
}

Result<std::string> sign_transaction_url_impl(const DappSession& session, ByteView transaction,
                                              std::string_view redirect_link,
                                              const Nonce24* nonce) {
    if (transaction.empty() || transaction.size() > kMaxTransactionBytes) {
        return fail(ErrorCode::InvalidLength, "a transaction is 1 to 1232 bytes", "transaction");
    }
    if (!session.connected()) return fail(ErrorCode::InvalidValue, "connect to Phantom first");
    const json payload = {{"transaction", base58_encode(transaction)},
                          {"session", session.phantom_session()}};
    return encrypted_method_url(session, "signTransaction", payload, redirect_link, nonce);
}

Result<std::string> disconnect_url_impl(const DappSession& session, std::string_view redirect_link,
                                        const Nonce24* nonce) {
    if (!session.connected()) return fail(ErrorCode::InvalidValue, "connect to Phantom first");
    const json payload = {{"session", session.phantom_session()}};
    return encrypted_method_url(session, "disconnect", payload, redirect_link, nonce);
}

}  // namespace

std::string_view to_string(Cluster cluster) {
    switch (cluster) {
        case Cluster::MainnetBeta:
            return "mainnet-beta";
        case Cluster::Testnet:
            return "testnet";
        case Cluster::Devnet:
            return "devnet";
    }
    return "mainnet-beta";
}

// ---- errors ----

PhantomErrorKind phantom_error_kind(int code) {
    switch (code) {
        case 4900:
            return PhantomErrorKind::Disconnected;
        case 4100:
            return PhantomErrorKind::Unauthorized;
        case 4001:
            return PhantomErrorKind::UserRejected;
        case -32000:
            return PhantomErrorKind::InvalidInput;
        case -32002:
            return PhantomErrorKind::ResourceUnavailable;
        case -32003:
            return PhantomErrorKind::TransactionRejected;
        case -32601:
            return PhantomErrorKind::MethodNotFound;
        case -32603:
            return PhantomErrorKind::InternalError;
        default:
            return PhantomErrorKind::Unknown;
    }
}

std::string_view buyer_sentence(PhantomErrorKind kind) {
    switch (kind) {
        case PhantomErrorKind::Disconnected:
            return "Phantom is not connected to this checkout. Please connect your wallet again.";
        case PhantomErrorKind::Unauthorized:
            return "Phantom has not approved this checkout yet. Please connect your wallet again.";
        case PhantomErrorKind::UserRejected:
            return "You declined the request in Phantom.";
        case PhantomErrorKind::InvalidInput:
            return "Phantom could not read the request. Please try again.";
        case PhantomErrorKind::ResourceUnavailable:
            return "Phantom is already showing a request. Finish or close it, then try again.";
        case PhantomErrorKind::TransactionRejected:
            return "Phantom did not approve the transaction. No payment was made.";
        case PhantomErrorKind::MethodNotFound:
            return "This version of Phantom does not support the request. Please update Phantom "
                   "and try "
                   "again.";
        case PhantomErrorKind::InternalError:
            return "Phantom ran into a problem. Please try again.";
        case PhantomErrorKind::Unknown:
            break;
    }
    return "Phantom could not complete the request. Please try again.";
}

Error to_error(const PhantomError& error) {
    return fail(ErrorCode::WalletError, std::string(buyer_sentence(error.kind)), "errorCode");
}

// ---- session ----

DappSession DappSession::create() {
    DappSession session;
    session.keypair_ = x25519_keypair_random();
    return session;
}

DappSession DappSession::from_secret_key(const Bytes32& secret_key) {
    DappSession session;
    session.keypair_ = x25519_keypair_from_secret(secret_key);
    return session;
}

Status DappSession::attach(const Bytes32& phantom_public_key, std::string session,
                           const solana::PublicKey& wallet) {
    auto shared = box_shared_key(phantom_public_key, keypair_.secret_key);
    if (!shared) {
        return fail(ErrorCode::InvalidKey, "Phantom's encryption key is not usable (low order)",
                    "phantom_encryption_public_key");
    }
    phantom_public_key_ = phantom_public_key;
    shared_ = std::move(*shared);
    session_ = std::move(session);
    wallet_ = wallet;
    return {};
}

Result<EncryptedPayload> DappSession::encrypt(std::string_view plaintext) const {
    return encrypt(plaintext, random_array<kBoxNonceBytes>());
}

Result<EncryptedPayload> DappSession::encrypt(std::string_view plaintext,
                                              const Nonce24& nonce) const {
    if (!shared_) return fail(ErrorCode::InvalidValue, "connect to Phantom first");
    if (plaintext.size() > kMaxPlaintextBytes) {
        return fail(ErrorCode::TooLong, "the payload is larger than 4 KiB", "payload");
    }
    return EncryptedPayload{base58_encode(nonce),
                            base58_encode(box_seal(as_bytes(plaintext), nonce, *shared_))};
}

Result<std::string> DappSession::decrypt(std::string_view nonce_base58,
                                         std::string_view data_base58) const {
    if (!shared_) return fail(ErrorCode::InvalidValue, "connect to Phantom first");
    auto nonce = base58_decode_exact(nonce_base58, kBoxNonceBytes);
    if (!nonce) return at("nonce", nonce.error());
    // tag + plaintext, in base58: bound the text before the quadratic decode.
    if (data_base58.size() > (kMaxPlaintextBytes + kBoxMacBytes) * 138 / 100 + 1) {
        return fail(ErrorCode::TooLong, "Phantom's data is larger than any expected answer",
                    "data");
    }
    auto data = base58_decode(data_base58);
    if (!data) return at("data", data.error());
    auto plaintext = box_open(*data, to_array<kBoxNonceBytes>(*nonce), *shared_);
    if (!plaintext) return at("data", plaintext.error());
    if (plaintext->size() > kMaxPlaintextBytes) {
        return fail(ErrorCode::TooLong, "Phantom's data is larger than any expected answer",
                    "data");
    }
    std::string text = hilt::to_string(*plaintext);
    secure_wipe(plaintext->data(), plaintext->size());
    if (!is_valid_utf8(text))
        return fail(ErrorCode::InvalidUtf8, "Phantom's data is not UTF-8", "data");
    return text;
}

std::string DappSession::serialize() const {
    json out = {{"version", kSessionFormatVersion},
                {"dapp_secret_key", base58_encode(keypair_.secret_key.view())}};
    if (phantom_public_key_ && wallet_) {
        out["phantom_public_key"] = base58_encode(*phantom_public_key_);
        out["session"] = session_;
        out["wallet"] = wallet_->to_base58();
    }
    return out.dump();
}

Result<DappSession> DappSession::deserialize(std::string_view text) {
    const auto broken = [](std::string field) {
        return fail(ErrorCode::InvalidValue, "the stored Phantom session is damaged",
                    std::move(field));
    };
    if (text.size() > kMaxSerializedSessionChars) {
        return fail(ErrorCode::TooLong, "the stored Phantom session is too long");
    }
    const json in = json::parse(text, nullptr, false);
    if (in.is_discarded() || !in.is_object()) return broken("");
    const auto version = in.find("version");
    if (version == in.end() || !version->is_number_integer() ||
        version->get<std::int64_t>() != kSessionFormatVersion) {
        return broken("version");
    }
    const auto string_at = [&in](const char* key) -> std::optional<std::string> {
        const auto it = in.find(key);
        if (it == in.end() || !it->is_string()) return std::nullopt;
        return it->get_ref<const std::string&>();
    };
    const auto secret_text = string_at("dapp_secret_key");
    if (!secret_text) return broken("dapp_secret_key");
    auto secret = base58_decode_exact(*secret_text, kX25519KeyBytes);
    if (!secret) return broken("dapp_secret_key");
    DappSession session = from_secret_key(to_array<kX25519KeyBytes>(*secret));
    secure_wipe(secret->data(), secret->size());

    const auto phantom_text = string_at("phantom_public_key");
    if (!phantom_text) {
        if (in.contains("session") || in.contains("wallet")) return broken("phantom_public_key");
        return session;
    }
    auto phantom_key = base58_decode_exact(*phantom_text, kX25519KeyBytes);
    if (!phantom_key) return broken("phantom_public_key");
    const auto session_text = string_at("session");
    if (!session_text || !is_base58_text(*session_text) ||
        session_text->size() > kMaxSessionChars) {
        return broken("session");
    }
    const auto wallet_text = string_at("wallet");
    if (!wallet_text) return broken("wallet");
    auto wallet = solana::PublicKey::parse(*wallet_text);
    if (!wallet) return broken("wallet");
    HILT_TRY(session.attach(to_array<kX25519KeyBytes>(*phantom_key), *session_text, *wallet));
    return session;
}

// ---- URLs ----

Result<std::string> connect_url(const DappSession& session, std::string_view app_url,
                                std::string_view redirect_link, std::optional<Cluster> cluster) {
    if (!is_https_url(app_url) || !is_valid_utf8(app_url)) {
        return fail(ErrorCode::InvalidUrl, "app_url must be an absolute https URL", "app_url");
    }
    HILT_TRY(check_redirect_link(redirect_link));
    QueryParams params = {{"dapp_encryption_public_key", session.dapp_public_key_base58()}};
    if (cluster) params.push_back({"cluster", std::string(to_string(*cluster))});
    params.push_back({"app_url", std::string(app_url)});
    params.push_back({"redirect_link", std::string(redirect_link)});
    std::string url = std::string(kDeeplinkBase) + "connect?" + build_query(params);
    HILT_TRY(check_length(url));
    return url;
}

Result<std::string> sign_transaction_url(const DappSession& session, ByteView transaction,
                                         std::string_view redirect_link) {
    return sign_transaction_url_impl(session, transaction, redirect_link, nullptr);
}

Result<std::string> sign_transaction_url(const DappSession& session, ByteView transaction,
                                         std::string_view redirect_link, const Nonce24& nonce) {
    return sign_transaction_url_impl(session, transaction, redirect_link, &nonce);
}

Result<std::string> disconnect_url(const DappSession& session, std::string_view redirect_link) {
    return disconnect_url_impl(session, redirect_link, nullptr);
}

Result<std::string> disconnect_url(const DappSession& session, std::string_view redirect_link,
                                   const Nonce24& nonce) {
    return disconnect_url_impl(session, redirect_link, &nonce);
}

Result<std::string> browse_url(std::string_view url, std::string_view ref) {
    if (!is_https_url(url) || !is_valid_utf8(url)) {
        return fail(ErrorCode::InvalidUrl, "the page to open must be an absolute https URL", "url");
    }
    if (!is_https_url(ref) || !is_valid_utf8(ref)) {
        return fail(ErrorCode::InvalidUrl, "ref must be an absolute https URL", "ref");
    }
    std::string out = std::string(kBrowseBase) + percent_encode_component(url) +
                      "?ref=" + percent_encode_component(ref);
    HILT_TRY(check_length(out));
    return out;
}

// ---- redirects ----

Result<Reply<ConnectApproved>> parse_connect_redirect(DappSession& session,
                                                      std::string_view redirect_url) {
    auto params = read_redirect(redirect_url, {"phantom_encryption_public_key", "nonce", "data"});
    if (!params) return params.error();
    auto rejection = read_rejection(*params, {"phantom_encryption_public_key", "nonce", "data"});
    if (!rejection) return rejection.error();
    if (*rejection) return Reply<ConnectApproved>(std::move(**rejection));

    auto phantom_text = required(*params, "phantom_encryption_public_key");
    if (!phantom_text) return phantom_text.error();
    auto phantom_key = base58_decode_exact(*phantom_text, kX25519KeyBytes);
    if (!phantom_key)
        return bad_redirect("phantom_encryption_public_key", phantom_key.error().message);

    // Decrypt with a candidate session; the caller's session changes only once everything checks
    // out.
    DappSession candidate = session;
    HILT_TRY(candidate.attach(to_array<kX25519KeyBytes>(*phantom_key), {}, solana::PublicKey{}));
    auto object = decrypt_object(candidate, *params);
    if (!object) return object.error();
    auto wallet_text = read_data_string(*object, "public_key", 64);
    if (!wallet_text) return wallet_text.error();
    auto wallet = solana::PublicKey::parse(*wallet_text);
    if (!wallet)
        return bad_redirect("data.public_key", "public_key is not a base58 32-byte address");
    auto session_text = read_data_string(*object, "session", kMaxSessionChars);
    if (!session_text) return session_text.error();
    if (!is_base58_text(*session_text))
        return bad_redirect("data.session", "session is not base58 text");

    HILT_TRY(session.attach(to_array<kX25519KeyBytes>(*phantom_key), *session_text, *wallet));
    return Reply<ConnectApproved>(ConnectApproved{*wallet, std::move(*session_text)});
}

Result<Reply<SignTransactionApproved>> parse_sign_transaction_redirect(
    const DappSession& session, std::string_view redirect_url) {
    auto params = read_redirect(redirect_url, {"nonce", "data"});
    if (!params) return params.error();
    auto rejection = read_rejection(*params, {"nonce", "data"});
    if (!rejection) return rejection.error();
    if (*rejection) return Reply<SignTransactionApproved>(std::move(**rejection));

    if (!session.connected()) return fail(ErrorCode::InvalidValue, "connect to Phantom first");
    auto object = decrypt_object(session, *params);
    if (!object) return object.error();
    auto transaction_text =
        read_data_string(*object, "transaction", (kMaxTransactionBytes * 138) / 100 + 1);
    if (!transaction_text) return transaction_text.error();
    auto transaction = base58_decode(*transaction_text);
    if (!transaction) return bad_redirect("data.transaction", transaction.error().message);
    if (transaction->empty() || transaction->size() > kMaxTransactionBytes) {
        return bad_redirect("data.transaction", "the signed transaction is not 1 to 1232 bytes");
    }
    return Reply<SignTransactionApproved>(SignTransactionApproved{std::move(*transaction)});
}

Result<Reply<DisconnectApproved>> parse_disconnect_redirect(std::string_view redirect_url) {
    auto params = read_redirect(redirect_url, {});
    if (!params) return params.error();
    auto rejection = read_rejection(*params, {"nonce", "data"});
    if (!rejection) return rejection.error();
    if (*rejection) return Reply<DisconnectApproved>(std::move(**rejection));
    return Reply<DisconnectApproved>(DisconnectApproved{});
}

}  // namespace hilt::phantom
