// tests/oracle/ops_paylinks.cpp: Solana Pay URL and Phantom deeplink operations for the oracle
// tests (tests/oracle/paylinks.test.mjs compares them with @solana/pay and tweetnacl). Requests are
// read without exceptions: a missing or mistyped field answers {"error":"bad_request"}.
#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include "crypto/sodium.h"
#include "encoding/base58.h"
#include "encoding/base64.h"
#include "oracle/oracle.h"
#include "phantom/deeplink.h"
#include "solanapay/solana_url.h"

namespace hilt::oracle {
namespace {

using nlohmann::json;

json error_json(const Error& error) {
    return {{"error", std::string(to_string(error.code))},
            {"message", error.message},
            {"field", error.field}};
}
const json kBadRequest = {{"error", "bad_request"}};

std::optional<std::string> get_string(const json& request, const char* key) {
    const auto it = request.find(key);
    if (it == request.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

std::optional<std::uint64_t> get_u64_string(const json& request, const char* key) {
    const auto text = get_string(request, key);
    if (!text) return std::nullopt;
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
    return value;
}

std::optional<std::uint8_t> get_small_int(const json& request, const char* key) {
    const auto it = request.find(key);
    if (it == request.end() || !it->is_number_integer()) return std::nullopt;
    const auto value = it->get<std::int64_t>();
    if (value < 0 || value > 255) return std::nullopt;
    return static_cast<std::uint8_t>(value);
}

std::optional<solana::PublicKey> get_key(const json& request, const char* key) {
    const auto text = get_string(request, key);
    if (!text) return std::nullopt;
    auto parsed = solana::PublicKey::parse(*text);
    if (!parsed) return std::nullopt;
    return *parsed;
}

json amount_json(const std::optional<solanapay::TokenAmount>& amount) {
    if (!amount) return nullptr;
    return {{"minor_units", std::to_string(amount->minor_units)},
            {"decimals", amount->decimals},
            {"text", solanapay::format_amount(*amount)}};
}

json transfer_json(const solanapay::TransferRequest& request) {
    json references = json::array();
    for (const auto& reference : request.references) references.push_back(reference.to_base58());
    return {{"kind", "transfer"},
            {"recipient", request.recipient.to_base58()},
            {"amount", amount_json(request.amount)},
            {"spl_token", request.spl_token ? json(request.spl_token->to_base58()) : json(nullptr)},
            {"references", references},
            {"label", request.label},
            {"message", request.message},
            {"memo", request.memo},
            {"redirect", request.redirect}};
}

// {recipient, amount?: {minor_units: "<u64>", decimals}, spl_token?, references?, label?, message?,
// memo?,
//  redirect?} -> {url}
json solanapay_encode_transfer(const json& request) {
    solanapay::TransferRequest transfer;
    const auto recipient = get_key(request, "recipient");
    if (!recipient) return kBadRequest;
    transfer.recipient = *recipient;
    if (const auto it = request.find("amount"); it != request.end() && it->is_object()) {
        const auto minor = get_u64_string(*it, "minor_units");
        const auto decimals = get_small_int(*it, "decimals");
        if (!minor || !decimals) return kBadRequest;
        transfer.amount = solanapay::TokenAmount{*minor, *decimals};
    }
    if (request.contains("spl_token") && !request["spl_token"].is_null()) {
        const auto mint = get_key(request, "spl_token");
        if (!mint) return kBadRequest;
        transfer.spl_token = *mint;
    }
    if (const auto it = request.find("references"); it != request.end() && it->is_array()) {
        for (const auto& value : *it) {
            if (!value.is_string()) return kBadRequest;
            auto key = solana::PublicKey::parse(value.get<std::string>());
            if (!key) return kBadRequest;
            transfer.references.push_back(*key);
        }
    }
    transfer.label = get_string(request, "label").value_or("");
    transfer.message = get_string(request, "message").value_or("");
    transfer.memo = get_string(request, "memo").value_or("");
    transfer.redirect = get_string(request, "redirect").value_or("");
    auto url = solanapay::encode_transfer_request(transfer);
    if (!url) return error_json(url.error());
    return {{"url", *url}};
}

// {link, label?, message?} -> {url}
json solanapay_encode_transaction(const json& request) {
    const auto link = get_string(request, "link");
    if (!link) return kBadRequest;
    auto url =
        solanapay::encode_transaction_request({*link, get_string(request, "label").value_or(""),
                                               get_string(request, "message").value_or("")});
    if (!url) return error_json(url.error());
    return {{"url", *url}};
}

// {url, token_decimals?} -> {kind: "transfer", recipient, amount, …} | {kind: "transaction", link,
// …}
json solanapay_parse(const json& request) {
    const auto url = get_string(request, "url");
    if (!url) return kBadRequest;
    auto parsed = solanapay::parse_solana_pay_url(*url, get_small_int(request, "token_decimals"));
    if (!parsed) return error_json(parsed.error());
    if (const auto* transfer = std::get_if<solanapay::TransferRequest>(&*parsed))
        return transfer_json(*transfer);
    const auto& transaction = std::get<solanapay::TransactionRequest>(*parsed);
    return {{"kind", "transaction"},
            {"link", transaction.link},
            {"label", transaction.label},
            {"message", transaction.message}};
}

// ---- Phantom ----

std::optional<phantom::DappSession> get_session(const json& request) {
    const auto stored = get_string(request, "stored_session");
    if (!stored) return std::nullopt;
    auto session = phantom::DappSession::deserialize(*stored);
    if (!session) return std::nullopt;
    return std::move(*session);
}

json rejection_json(const phantom::PhantomError& error) {
    return {{"rejected",
             {{"code", error.code},
              {"kind", static_cast<int>(error.kind)},
              {"sentence", std::string(phantom::buyer_sentence(error.kind))},
              {"phantom_message", error.phantom_message}}}};
}

// {dapp_secret_hex, app_url, redirect_link, cluster?} -> {url, dapp_public_key}
json phantom_connect_url(const json& request) {
    const auto secret_hex = get_string(request, "dapp_secret_hex");
    const auto app_url = get_string(request, "app_url");
    const auto redirect_link = get_string(request, "redirect_link");
    if (!secret_hex || !app_url || !redirect_link) return kBadRequest;
    auto secret = hex_decode(*secret_hex);
    if (!secret || secret->size() != kX25519KeyBytes) return kBadRequest;
    Bytes32 secret32{};
    std::copy(secret->begin(), secret->end(), secret32.begin());
    const auto session = phantom::DappSession::from_secret_key(secret32);
    std::optional<phantom::Cluster> cluster;
    if (const auto name = get_string(request, "cluster")) {
        if (*name == "devnet")
            cluster = phantom::Cluster::Devnet;
        else if (*name == "testnet")
            cluster = phantom::Cluster::Testnet;
        else
            cluster = phantom::Cluster::MainnetBeta;
    }
    auto url = phantom::connect_url(session, *app_url, *redirect_link, cluster);
    if (!url) return error_json(url.error());
    return {{"url", *url},
            {"dapp_public_key", session.dapp_public_key_base58()},
            {"stored_session", session.serialize()}};
}

// {stored_session, redirect_url} -> {wallet, session, stored_session} | {rejected} | {error}
json phantom_connect_redirect(const json& request) {
    auto session = get_session(request);
    const auto url = get_string(request, "redirect_url");
    if (!session || !url) return kBadRequest;
    auto reply = phantom::parse_connect_redirect(*session, *url);
    if (!reply) return error_json(reply.error());
    if (const auto* rejected = std::get_if<phantom::PhantomError>(&*reply))
        return rejection_json(*rejected);
    const auto& approved = std::get<phantom::ConnectApproved>(*reply);
    return {{"wallet", approved.wallet.to_base58()},
            {"session", approved.session},
            {"stored_session", session->serialize()}};
}

// {stored_session, nonce, data} -> {plaintext}
json phantom_decrypt(const json& request) {
    const auto session = get_session(request);
    const auto nonce = get_string(request, "nonce");
    const auto data = get_string(request, "data");
    if (!session || !nonce || !data) return kBadRequest;
    auto plaintext = session->decrypt(*nonce, *data);
    if (!plaintext) return error_json(plaintext.error());
    return {{"plaintext", *plaintext}};
}

// {stored_session, plaintext} -> {nonce, payload}
json phantom_encrypt(const json& request) {
    const auto session = get_session(request);
    const auto plaintext = get_string(request, "plaintext");
    if (!session || !plaintext) return kBadRequest;
    auto encrypted = session->encrypt(*plaintext);
    if (!encrypted) return error_json(encrypted.error());
    return {{"nonce", encrypted->nonce}, {"payload", encrypted->payload}};
}

// {stored_session, transaction_hex, redirect_link} -> {url}
json phantom_sign_transaction_url(const json& request) {
    const auto session = get_session(request);
    const auto transaction_hex = get_string(request, "transaction_hex");
    const auto redirect_link = get_string(request, "redirect_link");
    if (!session || !transaction_hex || !redirect_link) return kBadRequest;
    auto transaction = hex_decode(*transaction_hex);
    if (!transaction) return kBadRequest;
    auto url = phantom::sign_transaction_url(*session, *transaction, *redirect_link);
    if (!url) return error_json(url.error());
    return {{"url", *url}};
}

// {stored_session, redirect_url} -> {transaction_hex} | {rejected} | {error}
json phantom_sign_transaction_redirect(const json& request) {
    const auto session = get_session(request);
    const auto url = get_string(request, "redirect_url");
    if (!session || !url) return kBadRequest;
    auto reply = phantom::parse_sign_transaction_redirect(*session, *url);
    if (!reply) return error_json(reply.error());
    if (const auto* rejected = std::get_if<phantom::PhantomError>(&*reply))
        return rejection_json(*rejected);
    return {{"transaction_hex",
             hex_encode(std::get<phantom::SignTransactionApproved>(*reply).transaction)}};
}

HILT_ORACLE_OP("solanapay_encode_transfer", solanapay_encode_transfer);
HILT_ORACLE_OP("solanapay_encode_transaction", solanapay_encode_transaction);
HILT_ORACLE_OP("solanapay_parse", solanapay_parse);
HILT_ORACLE_OP("phantom_connect_url", phantom_connect_url);
HILT_ORACLE_OP("phantom_connect_redirect", phantom_connect_redirect);
HILT_ORACLE_OP("phantom_decrypt", phantom_decrypt);
HILT_ORACLE_OP("phantom_encrypt", phantom_encrypt);
HILT_ORACLE_OP("phantom_sign_transaction_url", phantom_sign_transaction_url);
HILT_ORACLE_OP("phantom_sign_transaction_redirect", phantom_sign_transaction_redirect);

}  // namespace
}  // namespace hilt::oracle
