#include "phantom/deeplink.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/sodium.h"
#include "encoding/base58.h"
#include "encoding/base64.h"
#include "encoding/url.h"

namespace hilt::phantom {
namespace {

// V9 (solana-phantom.md §6): sk_A = 32×01 (here: the dapp), sk_B = 32×02 (here: Phantom).
constexpr const char* kPkA = "C6cUahgsea11j7dTmSFiNydnaPG9kg7yPFagXqerHGnC";
constexpr const char* kPkB = "EuHtd9yCn95edmJqLKFeyXeoPw9nPzp1HTwdJEWEw9YL";
constexpr const char* kV9Nonce = "GvdqXEAMbSARrubpNP44Vqz4kr6GAxA6";
constexpr const char* kV9Ciphertext = "VwVLXrfYjiaXVeew6E9gWHRMVXgdn2GsUukuYFP7LNAMt";
constexpr const char* kWallet =
    "BSFtCudCd4pR4LSFqWPjbtXPKSNVbGkc35gRNdnqjMCU";  // Phantom docs' example
constexpr const char* kRedirect = "https://hilt.example/p/coffee?phantom=connect";

Bytes32 filled(std::uint8_t v) {
    Bytes32 out{};
    out.fill(v);
    return out;
}

// Phantom's side of the box, built from the libsodium wrapper (itself checked against V9 and
// tweetnacl).
struct FakePhantom {
    X25519Keypair keypair = x25519_keypair_from_secret(filled(2));

    std::string public_key() const { return base58_encode(keypair.public_key); }

    // "nonce=…&data=…" for `plaintext` encrypted to the dapp.
    std::string seal(const Bytes32& dapp_public_key, const std::string& plaintext,
                     std::uint8_t nonce_byte = 7) const {
        auto shared = box_shared_key(dapp_public_key, keypair.secret_key);
        EXPECT_TRUE(shared);
        Nonce24 nonce{};
        nonce.fill(nonce_byte);
        return "nonce=" + base58_encode(nonce) +
               "&data=" + base58_encode(box_seal(as_bytes(plaintext), nonce, *shared));
    }

    std::string connect_redirect(const Bytes32& dapp_public_key,
                                 const std::string& plaintext) const {
        return std::string(kRedirect) + "&phantom_encryption_public_key=" + public_key() + "&" +
               seal(dapp_public_key, plaintext);
    }

    // Opens the payload of a deeplink we built.
    std::string open(const Bytes32& dapp_public_key, const std::string& url) const {
        auto params = parse_query(url_query(url));
        EXPECT_TRUE(params);
        auto nonce = base58_decode_exact(find_param(*params, "nonce").value_or(""), kBoxNonceBytes);
        auto payload = base58_decode(find_param(*params, "payload").value_or(""));
        EXPECT_TRUE(nonce && payload);
        Nonce24 n{};
        std::copy(nonce->begin(), nonce->end(), n.begin());
        auto shared = box_shared_key(dapp_public_key, keypair.secret_key);
        auto plaintext = box_open(*payload, n, *shared);
        EXPECT_TRUE(plaintext);
        return plaintext ? hilt::to_string(*plaintext) : "";
    }
};

DappSession connected_session(const std::string& session = "abc") {
    DappSession dapp = DappSession::from_secret_key(filled(1));
    FakePhantom phantom;
    const std::string data =
        std::string(R"({"public_key":")") + kWallet + R"(","session":")" + session + "\"}";
    auto reply =
        parse_connect_redirect(dapp, phantom.connect_redirect(dapp.dapp_public_key(), data));
    EXPECT_TRUE(reply) << describe(reply.error());
    return dapp;
}

template <typename T>
PhantomError rejection(const Result<Reply<T>>& reply) {
    EXPECT_TRUE(reply) << describe(reply.error());
    if (!reply || !std::holds_alternative<PhantomError>(*reply)) {
        ADD_FAILURE() << "expected a rejection";
        return {};
    }
    return std::get<PhantomError>(*reply);
}

template <typename T>
void expect_redirect_error(const Result<Reply<T>>& reply, ErrorCode code,
                           const std::string& field) {
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, code) << describe(reply.error());
    EXPECT_EQ(reply.error().field, field) << describe(reply.error());
}

// ---- session and V9 ----

TEST(DappSession, DerivesTheV9PublicKeyFromItsSecret) {
    const DappSession dapp = DappSession::from_secret_key(filled(1));
    EXPECT_EQ(dapp.dapp_public_key_base58(), kPkA);
    EXPECT_FALSE(dapp.connected());
}

TEST(DappSession, FreshSessionsHaveDistinctKeys) {
    EXPECT_NE(DappSession::create().dapp_public_key(), DappSession::create().dapp_public_key());
}

TEST(DappSession, EncryptsTheV9VectorThroughTheDisconnectDeeplink) {
    const DappSession dapp = connected_session("abc");
    ASSERT_TRUE(dapp.connected());
    EXPECT_EQ(base58_encode(*dapp.phantom_public_key()), kPkB);

    Nonce24 nonce{};
    nonce.fill(3);
    auto encrypted = dapp.encrypt(R"({"session":"abc"})", nonce);
    ASSERT_TRUE(encrypted);
    EXPECT_EQ(encrypted->nonce, kV9Nonce);
    EXPECT_EQ(encrypted->payload, kV9Ciphertext);

    // disconnect's payload is exactly {"session":"abc"}: the deeplink carries the V9 bytes.
    auto url = disconnect_url(dapp, "https://hilt.example/p/coffee?phantom=disconnect", nonce);
    ASSERT_TRUE(url) << describe(url.error());
    EXPECT_EQ(*url,
              std::string("https://phantom.app/ul/v1/disconnect?dapp_encryption_public_key=") +
                  kPkA + "&nonce=" + kV9Nonce +
                  "&redirect_link=https%3A%2F%2Fhilt.example%2Fp%2Fcoffee%3Fphantom%3Ddisconnect&"
                  "payload=" +
                  kV9Ciphertext);
}

TEST(DappSession, DecryptsTheV9Vector) {
    const DappSession dapp = connected_session();
    auto plaintext = dapp.decrypt(kV9Nonce, kV9Ciphertext);
    ASSERT_TRUE(plaintext) << describe(plaintext.error());
    EXPECT_EQ(*plaintext, R"({"session":"abc"})");
}

TEST(DappSession, RandomNoncesDifferAndStillDecrypt) {
    const DappSession dapp = connected_session();
    auto a = dapp.encrypt("{}");
    auto b = dapp.encrypt("{}");
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->nonce, b->nonce);
    EXPECT_EQ(dapp.decrypt(a->nonce, a->payload).value(), "{}");
}

TEST(DappSession, RefusesToEncryptOrDecryptBeforeConnect) {
    const DappSession dapp = DappSession::from_secret_key(filled(1));
    EXPECT_EQ(dapp.encrypt("{}").error().code, ErrorCode::InvalidValue);
    EXPECT_EQ(dapp.decrypt(kV9Nonce, kV9Ciphertext).error().code, ErrorCode::InvalidValue);
}

TEST(DappSession, RejectsTamperedOrMalformedCiphertext) {
    const DappSession dapp = connected_session();
    std::string tampered = kV9Ciphertext;
    tampered[5] = tampered[5] == 'a' ? 'b' : 'a';
    EXPECT_EQ(dapp.decrypt(kV9Nonce, tampered).error().code, ErrorCode::DecryptFailed);
    EXPECT_EQ(dapp.decrypt("1111", kV9Ciphertext).error().field, "nonce");
    EXPECT_EQ(dapp.decrypt(kV9Nonce, "0OIl").error().field, "data");
    EXPECT_EQ(dapp.decrypt(kV9Nonce, "1").error().code,
              ErrorCode::DecryptFailed);  // shorter than a tag
    EXPECT_EQ(dapp.decrypt(kV9Nonce, std::string(20000, '2')).error().code, ErrorCode::TooLong);
    EXPECT_EQ(dapp.encrypt(std::string(kMaxPlaintextBytes + 1, ' ')).error().code,
              ErrorCode::TooLong);
}

TEST(DappSession, SerializesAndRestoresAConnectedSession) {
    const DappSession dapp = connected_session("3xSessionToken");
    const std::string stored = dapp.serialize();
    auto restored = DappSession::deserialize(stored);
    ASSERT_TRUE(restored) << describe(restored.error());
    EXPECT_EQ(restored->dapp_public_key(), dapp.dapp_public_key());
    EXPECT_EQ(restored->phantom_public_key(), dapp.phantom_public_key());
    EXPECT_EQ(restored->phantom_session(), "3xSessionToken");
    EXPECT_EQ(restored->wallet(), dapp.wallet());
    ASSERT_TRUE(restored->connected());
    EXPECT_EQ(restored->decrypt(kV9Nonce, kV9Ciphertext).value(), R"({"session":"abc"})");
}

TEST(DappSession, SerializesASessionThatIsNotConnectedYet) {
    const DappSession dapp = DappSession::create();
    auto restored = DappSession::deserialize(dapp.serialize());
    ASSERT_TRUE(restored);
    EXPECT_EQ(restored->dapp_public_key(), dapp.dapp_public_key());
    EXPECT_FALSE(restored->connected());
}

TEST(DappSession, RejectsDamagedStoredSessions) {
    const std::string a = base58_encode(filled(1));
    for (
        const std::string& text :
        {std::string(""), std::string("[]"), std::string("{}"),
         std::string(R"({"version":2,"dapp_secret_key":")") + a + "\"}",
         std::string(R"({"version":1,"dapp_secret_key":"abc"})"),
         std::string(R"({"version":1,"dapp_secret_key":")") + a + R"(","session":"x"})",
         std::string(R"({"version":1,"dapp_secret_key":")") + a + R"(","phantom_public_key":")" +
             kPkB + R"(","session":"abc","wallet":"0x"})",
         std::string(R"({"version":1,"dapp_secret_key":")") + a + R"(","phantom_public_key":")" +
             kPkB + R"(","session":"a b","wallet":")" + kWallet + "\"}",
         std::string(R"({"version":1,"dapp_secret_key":")") + a +
             R"(","phantom_public_key":"11111111111111111111111111111111","session":"abc","wallet":")" +
             kWallet + "\"}",
         std::string(kMaxSerializedSessionChars + 1, ' ')}) {
        auto restored = DappSession::deserialize(text);
        EXPECT_FALSE(restored) << text;
    }
}

// ---- URLs we open ----

TEST(ConnectUrl, CarriesTheDappKeyClusterAppUrlAndRedirect) {
    const DappSession dapp = DappSession::from_secret_key(filled(1));
    auto url = connect_url(dapp, "https://hilt.example", kRedirect, Cluster::Devnet);
    ASSERT_TRUE(url) << describe(url.error());
    EXPECT_EQ(*url,
              std::string("https://phantom.app/ul/v1/connect?dapp_encryption_public_key=") + kPkA +
                  "&cluster=devnet&app_url=https%3A%2F%2Fhilt.example"
                  "&redirect_link=https%3A%2F%2Fhilt.example%2Fp%2Fcoffee%3Fphantom%3Dconnect");
    auto no_cluster = connect_url(dapp, "https://hilt.example", "hiltapp://phantom");
    ASSERT_TRUE(no_cluster);
    EXPECT_EQ(*no_cluster,
              std::string("https://phantom.app/ul/v1/connect?dapp_encryption_public_key=") + kPkA +
                  "&app_url=https%3A%2F%2Fhilt.example&redirect_link=hiltapp%3A%2F%2Fphantom");
    EXPECT_EQ(to_string(Cluster::MainnetBeta), "mainnet-beta");
    EXPECT_EQ(to_string(Cluster::Testnet), "testnet");
}

TEST(ConnectUrl, RefusesUnsafeAppUrlsAndRedirects) {
    const DappSession dapp = DappSession::create();
    EXPECT_EQ(connect_url(dapp, "http://hilt.example", kRedirect).error().field, "app_url");
    EXPECT_EQ(connect_url(dapp, "hilt.example", kRedirect).error().field, "app_url");
    for (const char* redirect :
         {"javascript:alert(1)", "http://hilt.example/cb", "data:text/html,x", "noscheme",
          "https://hilt.example/cb#frag", "https://user@evil.example/", "myapp:"}) {
        auto url = connect_url(dapp, "https://hilt.example", redirect);
        ASSERT_FALSE(url) << redirect;
        EXPECT_EQ(url.error().code, ErrorCode::InvalidUrl);
        EXPECT_EQ(url.error().field, "redirect_link");
    }
}

TEST(SignTransactionUrl, EncryptsTheTransactionAndSessionForPhantom) {
    const DappSession dapp = connected_session("SessionB58");
    const Bytes transaction = {1, 0, 0, 0, 42, 7, 255};
    auto url = sign_transaction_url(dapp, transaction, kRedirect);
    ASSERT_TRUE(url) << describe(url.error());
    EXPECT_EQ(
        url->rfind("https://phantom.app/ul/v1/signTransaction?dapp_encryption_public_key=", 0), 0u);
    auto params = parse_query(url_query(*url));
    ASSERT_TRUE(params);
    ASSERT_EQ(params->size(), 4u);
    EXPECT_EQ((*params)[0].key, "dapp_encryption_public_key");
    EXPECT_EQ((*params)[1].key, "nonce");
    EXPECT_EQ((*params)[2], (QueryParam{"redirect_link", kRedirect}));
    EXPECT_EQ((*params)[3].key, "payload");

    const auto payload =
        nlohmann::json::parse(FakePhantom{}.open(dapp.dapp_public_key(), *url), nullptr, false);
    ASSERT_TRUE(payload.is_object());
    EXPECT_EQ(payload.value("session", ""), "SessionB58");
    EXPECT_EQ(payload.value("transaction", ""), base58_encode(transaction));
}

TEST(SignTransactionUrl, RefusesWithoutSessionOrWithAnOversizedTransaction) {
    EXPECT_EQ(sign_transaction_url(DappSession::create(), Bytes{1}, kRedirect).error().code,
              ErrorCode::InvalidValue);
    const DappSession dapp = connected_session();
    EXPECT_EQ(
        sign_transaction_url(dapp, Bytes(kMaxTransactionBytes + 1, 1), kRedirect).error().code,
        ErrorCode::InvalidLength);
    EXPECT_EQ(sign_transaction_url(dapp, Bytes{}, kRedirect).error().code,
              ErrorCode::InvalidLength);
    EXPECT_EQ(sign_transaction_url(dapp, Bytes{1}, "javascript:x").error().field, "redirect_link");
    EXPECT_TRUE(sign_transaction_url(dapp, Bytes(kMaxTransactionBytes, 0xff), kRedirect));
}

TEST(DisconnectUrl, RefusesWithoutSession) {
    EXPECT_EQ(disconnect_url(DappSession::create(), kRedirect).error().code,
              ErrorCode::InvalidValue);
}

TEST(BrowseUrl, MatchesPhantomsDocumentedExample) {
    auto url =
        browse_url("https://magiceden.io/item-details/ED8Psf2Zk2HyVGAimSQpFHVDFRGDAkPjQhkfAqbN5h7d",
                   "https://magiceden.io");
    ASSERT_TRUE(url) << describe(url.error());
    EXPECT_EQ(
        *url,
        "https://phantom.app/ul/browse/"
        "https%3A%2F%2Fmagiceden.io%2Fitem-details%2FED8Psf2Zk2HyVGAimSQpFHVDFRGDAkPjQhkfAqbN5h7d"
        "?ref=https%3A%2F%2Fmagiceden.io");
}

TEST(BrowseUrl, RefusesPagesThatAreNotHttps) {
    EXPECT_EQ(browse_url("http://hilt.example/p/x", "https://hilt.example").error().field, "url");
    EXPECT_EQ(browse_url("https://hilt.example/p/x", "hilt").error().field, "ref");
}

// ---- Phantom's redirects ----

TEST(ConnectRedirect, ConnectsTheSessionOnApproval) {
    DappSession dapp = DappSession::from_secret_key(filled(1));
    FakePhantom phantom;
    const std::string data =
        std::string(R"({"public_key":")") + kWallet + R"(","session":"4vJ9JU1bJJE96FWS"})";
    auto reply =
        parse_connect_redirect(dapp, phantom.connect_redirect(dapp.dapp_public_key(), data));
    ASSERT_TRUE(reply) << describe(reply.error());
    ASSERT_TRUE(std::holds_alternative<ConnectApproved>(*reply));
    const auto& approved = std::get<ConnectApproved>(*reply);
    EXPECT_EQ(approved.wallet.to_base58(), kWallet);
    EXPECT_EQ(approved.session, "4vJ9JU1bJJE96FWS");
    EXPECT_TRUE(dapp.connected());
    EXPECT_EQ(dapp.wallet()->to_base58(), kWallet);
    EXPECT_EQ(dapp.phantom_session(), "4vJ9JU1bJJE96FWS");
    EXPECT_EQ(base58_encode(*dapp.phantom_public_key()), kPkB);
}

TEST(ConnectRedirect, AcceptsJustTheQueryAndIgnoresExtraDataFields) {
    DappSession dapp = DappSession::from_secret_key(filled(1));
    FakePhantom phantom;
    const std::string data =
        std::string(R"({"public_key":")") + kWallet + R"(","session":"abc","extra":1})";
    const std::string query = "?phantom_encryption_public_key=" + phantom.public_key() + "&" +
                              phantom.seal(dapp.dapp_public_key(), data);
    auto reply = parse_connect_redirect(dapp, query);
    ASSERT_TRUE(reply) << describe(reply.error());
    EXPECT_TRUE(std::holds_alternative<ConnectApproved>(*reply));
}

TEST(ConnectRedirect, TreatsALowOrderPhantomKeyAsAFailedConnect) {
    DappSession dapp = DappSession::from_secret_key(filled(1));
    const std::string url =
        std::string(kRedirect) +
        "&phantom_encryption_public_key=11111111111111111111111111111111&nonce=" + kV9Nonce +
        "&data=" + kV9Ciphertext;
    expect_redirect_error(parse_connect_redirect(dapp, url), ErrorCode::InvalidKey,
                          "phantom_encryption_public_key");
    EXPECT_FALSE(dapp.connected());
}

TEST(ConnectRedirect, LeavesTheSessionUnchangedWhenDataIsBad) {
    DappSession dapp = DappSession::from_secret_key(filled(1));
    FakePhantom phantom;
    const Bytes32& pk = dapp.dapp_public_key();
    struct Case {
        std::string url;
        ErrorCode code;
        const char* field;
    };
    const std::string wallet = std::string(R"("public_key":")") + kWallet + "\"";
    const std::string prefix =
        std::string(kRedirect) + "&phantom_encryption_public_key=" + phantom.public_key();
    const std::vector<Case> cases = {
        {phantom.connect_redirect(pk, "not json"), ErrorCode::InvalidRedirect, "data"},
        {phantom.connect_redirect(pk, "[1]"), ErrorCode::InvalidRedirect, "data"},
        {phantom.connect_redirect(pk, R"({"session":"abc"})"), ErrorCode::InvalidRedirect,
         "data.public_key"},
        {phantom.connect_redirect(pk, R"({"public_key":"0x1","session":"abc"})"),
         ErrorCode::InvalidRedirect, "data.public_key"},
        {phantom.connect_redirect(pk, "{" + wallet + "}"), ErrorCode::InvalidRedirect,
         "data.session"},
        {phantom.connect_redirect(pk, "{" + wallet + R"(,"session":""})"),
         ErrorCode::InvalidRedirect, "data.session"},
        {phantom.connect_redirect(pk, "{" + wallet + R"(,"session":7})"),
         ErrorCode::InvalidRedirect, "data.session"},
        {phantom.connect_redirect(pk, "{" + wallet + R"(,"session":"a+b"})"),
         ErrorCode::InvalidRedirect, "data.session"},
        {phantom.connect_redirect(
             pk, "{" + wallet + R"(,"session":")" + std::string(kMaxSessionChars + 1, 'a') + "\"}"),
         ErrorCode::TooLong, "data.session"},
        // encrypted for someone else
        {prefix + "&" + phantom.seal(filled(9), "{}"), ErrorCode::DecryptFailed, "data"},
        {prefix + "&nonce=" + kV9Nonce, ErrorCode::InvalidRedirect, "data"},
        {prefix + "&data=" + kV9Ciphertext, ErrorCode::InvalidRedirect, "nonce"},
        {prefix + "&nonce=abc&data=" + kV9Ciphertext, ErrorCode::InvalidLength, "nonce"},
        {std::string(kRedirect) + "&nonce=" + kV9Nonce + "&data=" + kV9Ciphertext,
         ErrorCode::InvalidRedirect, "phantom_encryption_public_key"},
        {std::string(kRedirect) + "&phantom_encryption_public_key=abc&nonce=" + kV9Nonce,
         ErrorCode::InvalidRedirect, "phantom_encryption_public_key"},
        {prefix + "&phantom_encryption_public_key=" + phantom.public_key() + "&nonce=" + kV9Nonce +
             "&data=" + kV9Ciphertext,
         ErrorCode::InvalidRedirect, "phantom_encryption_public_key"},
        {prefix + "&nonce=" + kV9Nonce + "&data=%zz", ErrorCode::InvalidRedirect, "data"},
        {std::string(kRedirect), ErrorCode::InvalidRedirect, "phantom_encryption_public_key"},
        {std::string(kMaxRedirectChars + 1, 'a'), ErrorCode::TooLong, ""},
    };
    for (const Case& c : cases) {
        auto reply = parse_connect_redirect(dapp, c.url);
        ASSERT_FALSE(reply) << c.url;
        EXPECT_EQ(reply.error().code, c.code) << c.url << " -> " << describe(reply.error());
        EXPECT_EQ(reply.error().field, c.field) << c.url << " -> " << describe(reply.error());
        EXPECT_FALSE(dapp.connected());
    }
}

TEST(SignTransactionRedirect, ReturnsTheSignedTransaction) {
    const DappSession dapp = connected_session();
    const Bytes signed_tx = {1, 9, 9, 9, 0, 1, 2, 3};
    FakePhantom phantom;
    const std::string url =
        "https://hilt.example/p/coffee?phantom=sign&" +
        phantom.seal(dapp.dapp_public_key(),
                     "{\"transaction\":\"" + base58_encode(signed_tx) + "\"}", 11);
    auto reply = parse_sign_transaction_redirect(dapp, url);
    ASSERT_TRUE(reply) << describe(reply.error());
    ASSERT_TRUE(std::holds_alternative<SignTransactionApproved>(*reply));
    EXPECT_EQ(std::get<SignTransactionApproved>(*reply).transaction, signed_tx);
}

TEST(SignTransactionRedirect, RejectsMalformedAnswers) {
    const DappSession dapp = connected_session();
    FakePhantom phantom;
    const Bytes32& pk = dapp.dapp_public_key();
    expect_redirect_error(parse_sign_transaction_redirect(dapp, phantom.seal(pk, "{}")),
                          ErrorCode::InvalidRedirect, "data.transaction");
    expect_redirect_error(
        parse_sign_transaction_redirect(dapp, phantom.seal(pk, R"({"transaction":"0OIl"})")),
        ErrorCode::InvalidRedirect, "data.transaction");
    expect_redirect_error(
        parse_sign_transaction_redirect(
            dapp, phantom.seal(pk, "{\"transaction\":\"" +
                                       base58_encode(Bytes(kMaxTransactionBytes + 1, 1)) + "\"}")),
        ErrorCode::InvalidRedirect, "data.transaction");
    expect_redirect_error(
        parse_sign_transaction_redirect(
            dapp, phantom.seal(pk, "{\"transaction\":\"" + std::string(2000, '2') + "\"}")),
        ErrorCode::TooLong, "data.transaction");
    expect_redirect_error(parse_sign_transaction_redirect(dapp, std::string("nonce=") + kV9Nonce),
                          ErrorCode::InvalidRedirect, "data");
    expect_redirect_error(parse_sign_transaction_redirect(
                              DappSession::create(), phantom.seal(pk, R"({"transaction":"2"})")),
                          ErrorCode::InvalidValue, "");
    expect_redirect_error(parse_sign_transaction_redirect(dapp, "errorCode=4001&data=abc"),
                          ErrorCode::InvalidRedirect, "data");
    expect_redirect_error(parse_sign_transaction_redirect(dapp, "errorCode=abc"),
                          ErrorCode::InvalidRedirect, "errorCode");
    expect_redirect_error(parse_sign_transaction_redirect(dapp, "errorCode=4001&errorCode=4100"),
                          ErrorCode::InvalidRedirect, "errorCode");
    expect_redirect_error(parse_sign_transaction_redirect(dapp, "errorMessage=oops"),
                          ErrorCode::InvalidRedirect, "errorCode");
}

TEST(DisconnectRedirect, ApprovesWithoutPhantomParameters) {
    auto reply = parse_disconnect_redirect("https://hilt.example/p/coffee?phantom=disconnect");
    ASSERT_TRUE(reply);
    EXPECT_TRUE(std::holds_alternative<DisconnectApproved>(*reply));
    auto bare = parse_disconnect_redirect("https://hilt.example/p/coffee");
    ASSERT_TRUE(bare);
    EXPECT_TRUE(std::holds_alternative<DisconnectApproved>(*bare));
}

// ---- rejections: every documented code, through every redirect ----

TEST(PhantomRejection, MapsEveryDocumentedCodeToAKindAndASentence) {
    struct Case {
        const char* code;
        int value;
        PhantomErrorKind kind;
    };
    const Case cases[] = {
        {"4900", 4900, PhantomErrorKind::Disconnected},
        {"4100", 4100, PhantomErrorKind::Unauthorized},
        {"4001", 4001, PhantomErrorKind::UserRejected},
        {"-32000", -32000, PhantomErrorKind::InvalidInput},
        {"-32002", -32002, PhantomErrorKind::ResourceUnavailable},
        {"-32003", -32003, PhantomErrorKind::TransactionRejected},
        {"-32601", -32601, PhantomErrorKind::MethodNotFound},
        {"-32603", -32603, PhantomErrorKind::InternalError},
        {"1234", 1234, PhantomErrorKind::Unknown},
    };
    for (const Case& c : cases) {
        const std::string url =
            std::string(kRedirect) + "&errorCode=" + c.code + "&errorMessage=Something+happened%21";
        DappSession dapp = DappSession::from_secret_key(filled(1));
        const PhantomError on_connect = rejection(parse_connect_redirect(dapp, url));
        EXPECT_EQ(on_connect.code, c.value);
        EXPECT_EQ(on_connect.kind, c.kind);
        EXPECT_EQ(on_connect.phantom_message, "Something happened!");
        EXPECT_FALSE(dapp.connected());

        const DappSession connected = connected_session();
        EXPECT_EQ(rejection(parse_sign_transaction_redirect(connected, url)).kind, c.kind)
            << c.code;
        EXPECT_EQ(rejection(parse_disconnect_redirect(url)).kind, c.kind) << c.code;

        EXPECT_FALSE(buyer_sentence(c.kind).empty());
        const Error error = to_error(on_connect);
        EXPECT_EQ(error.code, ErrorCode::WalletError);
        EXPECT_EQ(error.message, buyer_sentence(c.kind));
    }
}

TEST(PhantomRejection, SpeaksPlainlyToTheBuyer) {
    EXPECT_EQ(buyer_sentence(PhantomErrorKind::UserRejected),
              "You declined the request in Phantom.");
    EXPECT_NE(buyer_sentence(PhantomErrorKind::ResourceUnavailable).find("already"),
              std::string_view::npos);
    // Every kind has its own sentence.
    const PhantomErrorKind kinds[] = {PhantomErrorKind::Disconnected,
                                      PhantomErrorKind::Unauthorized,
                                      PhantomErrorKind::UserRejected,
                                      PhantomErrorKind::InvalidInput,
                                      PhantomErrorKind::ResourceUnavailable,
                                      PhantomErrorKind::TransactionRejected,
                                      PhantomErrorKind::MethodNotFound,
                                      PhantomErrorKind::InternalError,
                                      PhantomErrorKind::Unknown};
    for (const auto a : kinds) {
        for (const auto b : kinds) {
            if (a != b) {
                EXPECT_NE(buyer_sentence(a), buyer_sentence(b));
            }
        }
    }
}

TEST(PhantomRejection, AcceptsAMissingMessageAndCutsALongOne) {
    const PhantomError bare = rejection(parse_disconnect_redirect("errorCode=4001"));
    EXPECT_EQ(bare.phantom_message, "");
    const std::string long_message(kMaxErrorMessageChars + 10, 'x');
    const PhantomError cut =
        rejection(parse_disconnect_redirect("errorCode=4001&errorMessage=" + long_message));
    EXPECT_EQ(cut.phantom_message.size(), kMaxErrorMessageChars);
    // A cut never splits a UTF-8 character.
    std::string accents;
    for (std::size_t i = 0; i < kMaxErrorMessageChars; ++i) accents += "%C3%A9";
    const PhantomError utf8 =
        rejection(parse_disconnect_redirect("errorCode=4001&errorMessage=x" + accents));
    EXPECT_TRUE(is_valid_utf8(utf8.phantom_message));
    EXPECT_LE(utf8.phantom_message.size(), kMaxErrorMessageChars);
}

TEST(PhantomRejection, RejectsCodesThatAreNotIntegers) {
    for (const char* code : {"", "abc", "4001x", "--1", "-", "12345678901", "4.0"}) {
        expect_redirect_error(parse_disconnect_redirect(std::string("errorCode=") + code),
                              ErrorCode::InvalidRedirect, "errorCode");
    }
}

}  // namespace
}  // namespace hilt::phantom
