// shared/phantom/deeplink.h: Phantom mobile deeplinks (solana-phantom.md §1): the URLs the
// checkout opens (connect, signTransaction, disconnect, browse), the encrypted session they
// share, and Phantom's answers appended to our redirect link.
//
// Owns: DappSession (the dapp's X25519 keypair, Phantom's key, the shared secret, Phantom's
// `session` and the wallet), payload encryption (NaCl box, base58 nonce and ciphertext), URL
// building, redirect parsing, PhantomError with a sentence for the buyer, and the session's
// storage format.
// Must never: reuse a nonce (every encryption draws a fresh one unless a test passes one), accept
// a low-order Phantom key, trust a decrypted payload before checking its shape, or throw on any
// input.
//
// WARNING: a DappSession holds a secret key. Its serialize() text contains that key: keep it only
// in the browser's per-tab session storage across the app switch, never in a URL, a log or the
// server.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.h"
#include "crypto/sodium.h"
#include "encoding/base58.h"
#include "solana/pubkey.h"

namespace hilt::phantom {

inline constexpr std::string_view kDeeplinkBase = "https://phantom.app/ul/v1/";
inline constexpr std::string_view kBrowseBase = "https://phantom.app/ul/browse/";

// Android drops intents over ~500 kB, which crashes at about 31k characters of URL (§1.2).
inline constexpr std::size_t kMaxDeeplinkChars = 31'000;
// A redirect from Phantom carries at most one signed transaction; anything longer is not Phantom's.
inline constexpr std::size_t kMaxRedirectChars = 32 * 1024;
// Decrypted JSON: a 1232-byte transaction is ~1.7k base58 characters; sessions are a few hundred.
// Base58 is quadratic, so the bound also caps the work a hostile redirect can cause.
inline constexpr std::size_t kMaxPlaintextBytes = 4 * 1024;
// Phantom's session: base58 of a 64-byte signature and a small JSON object (a few hundred
// characters).
inline constexpr std::size_t kMaxSessionChars = 2 * 1024;
// Solana's packet data limit: no larger transaction can be signed and sent.
inline constexpr std::size_t kMaxTransactionBytes = 1232;
// Serialized DappSession: keys, session and wallet as base58 in a small JSON object.
inline constexpr std::size_t kMaxSerializedSessionChars = 8 * 1024;
// Phantom's errorMessage is shown only in logs; longer text is cut at a character boundary.
inline constexpr std::size_t kMaxErrorMessageChars = 512;

enum class Cluster { MainnetBeta, Testnet, Devnet };
std::string_view to_string(Cluster cluster);  // "mainnet-beta", "testnet", "devnet"

struct EncryptedPayload {
    std::string nonce;    // base58 of 24 bytes
    std::string payload;  // base58 of tag(16) || ciphertext
};

class DappSession;

// ---- Phantom's answers --------------------------------------------------------------------------
// The error codes Phantom returns (getting-started-with-solana/errors.md).
enum class PhantomErrorKind {
    Disconnected,         // 4900
    Unauthorized,         // 4100
    UserRejected,         // 4001
    InvalidInput,         // -32000
    ResourceUnavailable,  // -32002: a request is already open in Phantom
    TransactionRejected,  // -32003
    MethodNotFound,       // -32601
    InternalError,        // -32603
    Unknown,              // any other code
};

struct PhantomError {
    int code = 0;  // errorCode as Phantom sent it
    PhantomErrorKind kind = PhantomErrorKind::Unknown;
    std::string phantom_message;  // errorMessage, for logs (not shown to the buyer)

    friend bool operator==(const PhantomError&, const PhantomError&) = default;
};

PhantomErrorKind phantom_error_kind(int code);
// What to tell the buyer, in plain English: 4001 -> "You declined the request in Phantom."
std::string_view buyer_sentence(PhantomErrorKind kind);
// As a Hilt error: wallet_error with the buyer sentence, field "errorCode".
Error to_error(const PhantomError& error);

// Phantom approved (T) or rejected (PhantomError) the request.
template <typename T>
using Reply = std::variant<T, PhantomError>;

struct ConnectApproved {
    solana::PublicKey wallet;
    std::string session;

    friend bool operator==(const ConnectApproved&, const ConnectApproved&) = default;
};
struct SignTransactionApproved {
    Bytes transaction;  // the signed wire transaction; re-parse and verify it, Phantom may change
                        // it (§1.6)

    friend bool operator==(const SignTransactionApproved&,
                           const SignTransactionApproved&) = default;
};
struct DisconnectApproved {
    friend bool operator==(const DisconnectApproved&, const DisconnectApproved&) = default;
};

// ---- the session --------------------------------------------------------------------------------
class DappSession {
public:
    // A fresh random X25519 keypair: one per connect.
    static DappSession create();
    // From a known secret key (tests and known-answer vectors).
    static DappSession from_secret_key(const Bytes32& secret_key);

    const Bytes32& dapp_public_key() const { return keypair_.public_key; }
    std::string dapp_public_key_base58() const { return base58_encode(keypair_.public_key); }

    // True after an approved connect: Phantom's key, the shared secret, the session and the wallet
    // are set.
    bool connected() const { return shared_.has_value(); }
    const std::optional<Bytes32>& phantom_public_key() const { return phantom_public_key_; }
    const std::string& phantom_session() const { return session_; }
    const std::optional<solana::PublicKey>& wallet() const { return wallet_; }

    // Encrypts a JSON text with the shared secret and a fresh random nonce. invalid_value when not
    // connected.
    [[nodiscard]] Result<EncryptedPayload> encrypt(std::string_view plaintext) const;
    // The same with a caller's nonce: only for known-answer tests. Never reuse a nonce.
    [[nodiscard]] Result<EncryptedPayload> encrypt(std::string_view plaintext,
                                                   const Nonce24& nonce) const;
    // Decrypts Phantom's `data` with its `nonce` (both base58) into UTF-8 text (too_long over
    // kMaxPlaintextBytes, decrypt_failed when the tag does not verify).
    [[nodiscard]] Result<std::string> decrypt(std::string_view nonce_base58,
                                              std::string_view data_base58) const;

    // WARNING: the text contains the dapp's secret key (see the file comment). The shared secret is
    // not stored; deserialize() recomputes it from the secret key and Phantom's public key.
    std::string serialize() const;
    [[nodiscard]] static Result<DappSession> deserialize(std::string_view text);

private:
    DappSession() = default;  // only through create(), from_secret_key() or deserialize()
    friend Result<Reply<ConnectApproved>> parse_connect_redirect(DappSession& session,
                                                                 std::string_view redirect_url);
    // Sets Phantom's key (computing the shared secret), the session and the wallet.
    [[nodiscard]] Status attach(const Bytes32& phantom_public_key, std::string session,
                                const solana::PublicKey& wallet);

    X25519Keypair keypair_;
    std::optional<Bytes32> phantom_public_key_;
    std::optional<SecretBytes<kBoxSharedKeyBytes>> shared_;
    std::string session_;
    std::optional<solana::PublicKey> wallet_;
};

// ---- URLs the checkout opens --------------------------------------------------------------------
// app_url: https URL of our app (Phantom shows its metadata). redirect_link: https URL or
// custom-scheme URL where Phantom sends the answer. Errors: invalid_url (field app_url /
// redirect_link), invalid_value (session not connected), too_long (the URL would exceed
// kMaxDeeplinkChars).

// https://phantom.app/ul/v1/connect?dapp_encryption_public_key&cluster&app_url&redirect_link
[[nodiscard]] Result<std::string> connect_url(const DappSession& session, std::string_view app_url,
                                              std::string_view redirect_link,
                                              std::optional<Cluster> cluster = std::nullopt);

// https://phantom.app/ul/v1/signTransaction?dapp_encryption_public_key&nonce&redirect_link&payload
// with payload = box({"transaction":"<b58 wire tx>","session":"…"}).
[[nodiscard]] Result<std::string> sign_transaction_url(const DappSession& session,
                                                       ByteView transaction,
                                                       std::string_view redirect_link);
[[nodiscard]] Result<std::string> sign_transaction_url(const DappSession& session,
                                                       ByteView transaction,
                                                       std::string_view redirect_link,
                                                       const Nonce24& nonce);  // tests only

// https://phantom.app/ul/v1/disconnect?… with payload = box({"session":"…"}).
[[nodiscard]] Result<std::string> disconnect_url(const DappSession& session,
                                                 std::string_view redirect_link);
[[nodiscard]] Result<std::string> disconnect_url(const DappSession& session,
                                                 std::string_view redirect_link,
                                                 const Nonce24& nonce);  // tests only

// https://phantom.app/ul/browse/<url>?ref=<ref>, both encodeURIComponent-ed; opens `url` (https) in
// Phantom's in-app browser. No session needed.
[[nodiscard]] Result<std::string> browse_url(std::string_view url, std::string_view ref);

// ---- Phantom's redirects ------------------------------------------------------------------------
// Each takes the whole URL Phantom opened (our redirect_link plus Phantom's parameters; our own
// parameters are ignored) or just its query. Malformed answers are invalid_redirect (field = the
// parameter), too_long over kMaxRedirectChars; a rejection is a PhantomError.

// Approved: phantom_encryption_public_key, nonce, data -> {"public_key","session"}. On approval the
// session is connected (Phantom's key, shared secret, session, wallet); otherwise it is left
// unchanged. A low-order Phantom key fails with invalid_key (libsodium refuses it; tweetnacl would
// not).
[[nodiscard]] Result<Reply<ConnectApproved>> parse_connect_redirect(DappSession& session,
                                                                    std::string_view redirect_url);
// Approved: nonce, data -> {"transaction":"<b58 signed wire tx>"}.
[[nodiscard]] Result<Reply<SignTransactionApproved>> parse_sign_transaction_redirect(
    const DappSession& session, std::string_view redirect_url);
// Approved: no Phantom parameters.
[[nodiscard]] Result<Reply<DisconnectApproved>> parse_disconnect_redirect(
    std::string_view redirect_url);

}  // namespace hilt::phantom
