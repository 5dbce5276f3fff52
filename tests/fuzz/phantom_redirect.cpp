// tests/fuzz/phantom_redirect.cpp: Phantom's answers to our deeplinks (parse_connect_redirect,
// parse_sign_transaction_redirect, parse_disconnect_redirect) with their NaCl box decryption, and the
// stored session (DappSession::deserialize).
//
// Keys are solana-phantom.md §6 V9's: the dapp's X25519 secret is 32×01, Phantom's is 32×02.
// Input: the first byte picks the mode, the rest is its input:
//   0  a connect redirect (URL or query) to a fresh session;
//   1  a signTransaction redirect to a connected session;
//   2  a disconnect redirect;
//   3  a stored session text;
//   4  a connect answer's plaintext, sealed here with Phantom's key (so mutations reach the JSON
//      behind the box, which a fuzzer cannot forge);
//   5  a signTransaction answer's plaintext, sealed the same way.
// Invariants:
//  - connect: an approval connects the session to exactly the wallet and session it returns; a
//    rejection or an error leaves the session unconnected; the connected session survives
//    serialize -> deserialize with the same keys, session and wallet;
//  - signTransaction: an approved transaction is 1..kMaxTransactionBytes bytes;
//  - a rejection's kind is phantom_error_kind(code), its message at most kMaxErrorMessageChars bytes;
//  - a stored session that deserializes re-serializes to text that deserializes to the same state.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "crypto/sodium.h"
#include "encoding/base58.h"
#include "encoding/base64.h"
#include "phantom/deeplink.h"

#include "fuzz_support.h"

namespace {

using namespace hilt;
using namespace hilt::phantom;
using fuzz::require;

constexpr std::string_view kRedirect = "https://hilt.example/p/coffee?phantom=connect";

Bytes32 filled(std::uint8_t v) {
    Bytes32 out{};
    out.fill(v);
    return out;
}

const X25519Keypair& phantom_keypair() {
    static const X25519Keypair keypair = x25519_keypair_from_secret(filled(2));
    return keypair;
}

// "nonce=…&data=…": `plaintext` sealed by Phantom to the dapp (the shared key computed once: three
// scalar multiplications per input would be most of the target's time).
std::string sealed(std::string_view plaintext) {
    static const SecretBytes<kBoxSharedKeyBytes> shared = [] {
        auto key = box_shared_key(DappSession::from_secret_key(filled(1)).dapp_public_key(),
                                  phantom_keypair().secret_key);
        require(static_cast<bool>(key), "the V9 keys give a shared key");
        return *key;
    }();
    Nonce24 nonce{};
    nonce.fill(7);
    return "nonce=" + base58_encode(nonce) + "&data=" + base58_encode(box_seal(as_bytes(plaintext), nonce, shared));
}

std::string connect_query(std::string_view plaintext) {
    return std::string(kRedirect) + "&phantom_encryption_public_key=" + base58_encode(phantom_keypair().public_key) +
           "&" + sealed(plaintext);
}

const DappSession& connected_session() {
    static const DappSession session = [] {
        DappSession dapp = DappSession::from_secret_key(filled(1));
        auto reply = parse_connect_redirect(
            dapp, connect_query(R"({"public_key":"BSFtCudCd4pR4LSFqWPjbtXPKSNVbGkc35gRNdnqjMCU","session":"abc"})"));
        require(reply && std::holds_alternative<ConnectApproved>(*reply) && dapp.connected(),
                "the fixed connect answer connects");
        return dapp;
    }();
    return session;
}

void check_rejection(const PhantomError& error) {
    require(error.kind == phantom_error_kind(error.code), "a rejection's kind is not its code's");
    require(error.phantom_message.size() <= kMaxErrorMessageChars,
            "a rejection's message is longer than the cap");
}

void same_state(const DappSession& a, const DappSession& b) {
    require(a.dapp_public_key() == b.dapp_public_key(), "stored session: dapp key changed");
    require(a.connected() == b.connected(), "stored session: connected changed");
    require(a.phantom_public_key() == b.phantom_public_key(), "stored session: Phantom key changed");
    require(a.phantom_session() == b.phantom_session(), "stored session: session changed");
    require(a.wallet() == b.wallet(), "stored session: wallet changed");
}

void connect(std::string_view url) {
    DappSession dapp = DappSession::from_secret_key(filled(1));
    auto reply = parse_connect_redirect(dapp, url);
    if (!reply) {
        require(!dapp.connected(), "a failed connect redirect connected the session");
        return;
    }
    if (const auto* error = std::get_if<PhantomError>(&*reply)) {
        check_rejection(*error);
        require(!dapp.connected(), "a rejected connect connected the session");
        return;
    }
    const auto& approved = std::get<ConnectApproved>(*reply);
    require(dapp.connected(), "an approved connect left the session unconnected");
    require(dapp.wallet() == approved.wallet, "the session's wallet is not the approved one");
    require(dapp.phantom_session() == approved.session, "the session is not the approved one");
    auto restored = DappSession::deserialize(dapp.serialize());
    require(static_cast<bool>(restored), "a connected session does not deserialize");
    same_state(dapp, *restored);
}

void sign_transaction(std::string_view url) {
    auto reply = parse_sign_transaction_redirect(connected_session(), url);
    if (!reply) return;
    if (const auto* error = std::get_if<PhantomError>(&*reply)) {
        check_rejection(*error);
        return;
    }
    const auto& approved = std::get<SignTransactionApproved>(*reply);
    require(!approved.transaction.empty() && approved.transaction.size() <= kMaxTransactionBytes,
            "an approved transaction's size is out of bounds");
}

void disconnect(std::string_view url) {
    auto reply = parse_disconnect_redirect(url);
    if (reply) {
        if (const auto* error = std::get_if<PhantomError>(&*reply)) check_rejection(*error);
    }
}

void stored(std::string_view text) {
    auto session = DappSession::deserialize(text);
    if (!session) return;
    const std::string canonical = session->serialize();
    auto again = DappSession::deserialize(canonical);
    require(static_cast<bool>(again), "a re-serialized session does not deserialize");
    same_state(*session, *again);
    require(again->serialize() == canonical, "serializing a session is not canonical");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 6) {
        case 0: connect(input); break;
        case 1: sign_transaction(input); break;
        case 2: disconnect(input); break;
        case 3: stored(input); break;
        case 4: connect(connect_query(input)); break;
        default: sign_transaction(sealed(input)); break;
    }
    return 0;
}
