// Tests of RpcClient and RpcChain over real TLS. A throwaway CA and node certificates are made at
// test time with OpenSSL's C API (no committed keys, no openssl command), written as PEM files to a
// fresh temporary folder, and presented by an httplib::SSLServer on 127.0.0.1 (rpc_node.h). They
// show: with the CA file calls succeed over https; without it the system's trust store refuses the
// node at once, by name, without retries; a certificate for another host is refused; the CA file
// is checked when the client (and so hiltd) starts.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>

#include "app.h"
#include "chain/rpc_chain.h"
#include "unit/server/rpc_node.h"

namespace hilt::server {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using test::context;
using test::FakeRpcNode;
using test::result;
using SteadyClock = std::chrono::steady_clock;

// ---- a throwaway PKI ---------------------------------------------------------------------------

struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertificateFree {
    void operator()(X509* certificate) const { X509_free(certificate); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Certificate = std::unique_ptr<X509, CertificateFree>;

Key make_key() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

bool add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (!extension) return false;
    const bool added = X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return added;
}

enum class Role : std::uint8_t {
    Ca,          // signs node certificates
    Node,        // a node's certificate, signed by a CA
    SelfSigned,  // a node's own certificate, as `openssl req -x509` makes it (CA:TRUE, no usage)
};

// A v3 certificate for `key`, valid from a minute ago for a day, with subjectAltName `names`
// ("DNS:localhost,IP:127.0.0.1"; none when empty), signed by `issuer` (itself when null). Null
// when OpenSSL refuses any step.
Certificate make_certificate(Role role, const std::string& common_name, const std::string& names,
                             EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
    static std::atomic<long> serial{1};
    Certificate certificate(X509_new());
    X509* cert = certificate.get();
    if (!cert || X509_set_version(cert, 2) != 1 ||
        ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++) != 1 ||
        !X509_gmtime_adj(X509_getm_notBefore(cert), -60) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 60 * 60) ||
        X509_set_pubkey(cert, key) != 1) {
        return nullptr;
    }
    X509_NAME* subject = X509_get_subject_name(cert);
    if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) != 1 ||
        X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : subject) != 1) {
        return nullptr;
    }
    X509* signer = issuer ? issuer : cert;
    bool ok = add_extension(cert, signer, NID_subject_key_identifier, "hash") &&
              add_extension(cert, signer, NID_authority_key_identifier, "keyid:always");
    switch (role) {
        case Role::Ca:
            ok = ok && add_extension(cert, signer, NID_basic_constraints, "critical,CA:TRUE") &&
                 add_extension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
            break;
        case Role::Node:
            ok = ok && add_extension(cert, signer, NID_basic_constraints, "critical,CA:FALSE") &&
                 add_extension(cert, signer, NID_key_usage, "critical,digitalSignature") &&
                 add_extension(cert, signer, NID_ext_key_usage, "serverAuth");
            break;
        case Role::SelfSigned:
            ok = ok && add_extension(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
            break;
    }
    if (!names.empty()) ok = ok && add_extension(cert, signer, NID_subject_alt_name, names.c_str());
    if (!ok || X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) == 0) return nullptr;
    return certificate;
}

struct FileClose {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

bool write_certificate(const std::filesystem::path& path, X509* certificate) {
    std::unique_ptr<std::FILE, FileClose> file(std::fopen(path.c_str(), "wb"));
    return file && PEM_write_X509(file.get(), certificate) == 1;
}

bool write_key(const std::filesystem::path& path, EVP_PKEY* key) {
    std::unique_ptr<std::FILE, FileClose> file(std::fopen(path.c_str(), "wb"));
    return file &&
           PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
}

// The files every test uses, made once: a CA; node certificates it signed for this machine and for
// another host; a self-signed node certificate; a file with no certificate.
struct Pki {
    std::filesystem::path dir;
    std::string ca;         // the CA's certificate: what --rpc-ca-file points at
    std::string node_cert;  // CN=localhost, DNS:localhost, IP:127.0.0.1, signed by the CA
    std::string node_key;
    std::string other_cert;  // DNS:rpc.example.com only, signed by the CA
    std::string other_key;
    std::string self_cert;  // DNS:localhost, IP:127.0.0.1, self-signed
    std::string self_key;
    std::string not_pem;  // text without a certificate
    std::string problem;  // why the PKI could not be made; empty when it was
};

Pki make_pki() {
    static std::atomic<int> counter{0};
    Pki pki;
    pki.dir = std::filesystem::temp_directory_path() /
              ("hilt-rpc-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(pki.dir);
    std::filesystem::create_directories(pki.dir);
    const auto path = [&](const char* name) { return (pki.dir / name).string(); };
    pki.ca = path("ca.pem");
    pki.node_cert = path("node.pem");
    pki.node_key = path("node.key");
    pki.other_cert = path("other.pem");
    pki.other_key = path("other.key");
    pki.self_cert = path("self.pem");
    pki.self_key = path("self.key");
    pki.not_pem = path("not.pem");

    const Key ca_key = make_key();
    const Key node_key = make_key();
    const Key other_key = make_key();
    const Key self_key = make_key();
    if (!ca_key || !node_key || !other_key || !self_key) {
        pki.problem = "EVP_PKEY_Q_keygen(EC, P-256) failed";
        return pki;
    }
    const Certificate ca =
        make_certificate(Role::Ca, "Hilt test CA", "", ca_key.get(), nullptr, nullptr);
    if (!ca) {
        pki.problem = "the CA certificate could not be made";
        return pki;
    }
    const Certificate node = make_certificate(Role::Node, "localhost", "DNS:localhost,IP:127.0.0.1",
                                              node_key.get(), ca.get(), ca_key.get());
    const Certificate other = make_certificate(Role::Node, "rpc.example.com", "DNS:rpc.example.com",
                                               other_key.get(), ca.get(), ca_key.get());
    const Certificate self =
        make_certificate(Role::SelfSigned, "localhost", "DNS:localhost,IP:127.0.0.1",
                         self_key.get(), nullptr, nullptr);
    if (!node || !other || !self) {
        pki.problem = "a node certificate could not be made";
        return pki;
    }
    if (!write_certificate(pki.ca, ca.get()) || !write_certificate(pki.node_cert, node.get()) ||
        !write_key(pki.node_key, node_key.get()) ||
        !write_certificate(pki.other_cert, other.get()) ||
        !write_key(pki.other_key, other_key.get()) ||
        !write_certificate(pki.self_cert, self.get()) || !write_key(pki.self_key, self_key.get())) {
        pki.problem = "the PEM files could not be written to " + pki.dir.string();
        return pki;
    }
    std::ofstream(pki.not_pem) << "not a certificate\n";
    return pki;
}

// ---- fixtures ----------------------------------------------------------------------------------

class RpcTlsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { pki_ = new Pki(make_pki()); }
    static void TearDownTestSuite() {
        std::filesystem::remove_all(pki_->dir);
        delete pki_;
        pki_ = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(pki_->problem.empty()) << pki_->problem; }

    static const Pki& pki() { return *pki_; }

    static RpcClientOptions options(const std::string& url, const std::string& ca_file) {
        RpcClientOptions out;
        out.url = url;
        out.ca_file = ca_file;
        out.timeout = milliseconds(3'000);
        out.connect_timeout = milliseconds(2'000);
        out.max_attempts = 3;
        out.backoff_base = milliseconds(1);
        out.max_requests_per_second = 0;
        return out;
    }

    static std::unique_ptr<RpcClient> client_for(const RpcClientOptions& options) {
        auto created = RpcClient::create(options);
        EXPECT_TRUE(created) << describe(created.error());
        return created ? std::move(*created) : nullptr;
    }

    static double seconds_since(SteadyClock::time_point start) {
        return std::chrono::duration<double>(SteadyClock::now() - start).count();
    }

private:
    static Pki* pki_;
};

Pki* RpcTlsTest::pki_ = nullptr;

// ---- trusted -----------------------------------------------------------------------------------

TEST_F(RpcTlsTest, WithTheCaFileChainCallsSucceedOverHttpsOnOneConnection) {
    FakeRpcNode node(pki().node_cert, pki().node_key);
    ASSERT_TRUE(node.valid()) << "httplib refused the node's certificate or key";
    const std::string hash = "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N";
    node.then(result(context({{"blockhash", hash}, {"lastValidBlockHeight", 3'090}})));
    node.then(result(297'000'123));

    RpcChainOptions chain_options;
    chain_options.url = node.url();
    chain_options.ca_file = pki().ca;
    chain_options.max_requests_per_second = 0;
    auto created = RpcChain::create(chain_options);
    ASSERT_TRUE(created) << describe(created.error());
    auto& chain = **created;

    auto latest = chain.latest_blockhash(Commitment::Confirmed);
    ASSERT_TRUE(latest) << describe(latest.error());
    EXPECT_EQ(latest->blockhash.to_base58(), hash);
    EXPECT_EQ(latest->last_valid_block_height, 3'090u);
    auto height = chain.block_height(Commitment::Finalized);
    ASSERT_TRUE(height) << describe(height.error());
    EXPECT_EQ(*height, 297'000'123u);

    EXPECT_EQ(node.request_count(), 2u);
    EXPECT_EQ(node.last_request()["method"], "getBlockHeight");
    EXPECT_EQ(node.targets().at(0), "/rpc?api-key=k") << "the path and query go inside TLS";
    const auto ports = node.remote_ports();
    ASSERT_EQ(ports.size(), 2u);
    EXPECT_EQ(ports[0], ports[1]) << "the TLS connection is kept alive, not redone per call";
    const RpcStats stats = chain.stats();
    EXPECT_EQ(stats.http_requests, 2u);
    EXPECT_EQ(stats.retries, 0u);
}

TEST_F(RpcTlsTest, TheNodeMayBeNamedByHostNameInAnyCaseOrByIpAddress) {
    FakeRpcNode node(pki().node_cert, pki().node_key);
    ASSERT_TRUE(node.valid());
    node.otherwise([](const json&) { return result(5); });
    for (const std::string host : {"127.0.0.1", "localhost", "LocalHost"}) {
        SCOPED_TRACE(host);
        auto client = client_for(options(node.url(host), pki().ca));
        ASSERT_TRUE(client);
        auto reply = client->call("getBlockHeight", json::array());
        ASSERT_TRUE(reply) << describe(reply.error());
        EXPECT_EQ(reply->result, 5);
    }
}

TEST_F(RpcTlsTest, ASelfSignedNodeIsTrustedThroughItsOwnCertificate) {
    FakeRpcNode node(pki().self_cert, pki().self_key);
    ASSERT_TRUE(node.valid());
    node.then(result(6));
    auto client = client_for(options(node.url(), pki().self_cert));
    ASSERT_TRUE(client);
    auto reply = client->call("getBlockHeight", json::array());
    ASSERT_TRUE(reply) << describe(reply.error());
    EXPECT_EQ(reply->result, 6);
}

// ---- refused -----------------------------------------------------------------------------------

TEST_F(RpcTlsTest, WithoutTheCaFileTheSystemStoreRefusesTheNodeAtOnceAndByName) {
    FakeRpcNode node(pki().node_cert, pki().node_key);
    ASSERT_TRUE(node.valid());
    node.otherwise([](const json&) { return result(1); });
    RpcClientOptions no_ca = options(node.url(), "");
    no_ca.max_attempts = 5;
    // A retry would first sleep at least half of the longest backoff (kRpcMaxBackoff / 2 = 1 s).
    no_ca.backoff_base = std::chrono::duration_cast<milliseconds>(kRpcMaxBackoff);
    auto client = client_for(no_ca);
    ASSERT_TRUE(client);
    for (int call = 0; call < 2; ++call) {
        SCOPED_TRACE(call);
        const auto start = SteadyClock::now();
        auto reply = client->call("getBlockHeight", json::array());
        const double elapsed = seconds_since(start);
        ASSERT_FALSE(reply) << "a certificate from an unknown CA was accepted";
        const std::string& message = reply.error().message;
        EXPECT_EQ(reply.error().code, ErrorCode::ChainUnavailable) << describe(reply.error());
        EXPECT_NE(message.find("TLS certificate verification failed"), std::string::npos)
            << message;
        EXPECT_NE(message.find("SSLServerVerification"), std::string::npos) << message;
        EXPECT_NE(message.find("unable to get local issuer certificate"), std::string::npos)
            << message;
        EXPECT_EQ(message.find("try again later"), std::string::npos) << message;
        EXPECT_EQ(message.find("api-key"), std::string::npos) << "the URL leaked: " << message;
        EXPECT_LT(elapsed, 1.0) << "a certificate error waited for a retry";
    }
    const RpcStats stats = client->stats();
    EXPECT_EQ(stats.http_requests, 2u) << "one attempt per call: a certificate is not transient";
    EXPECT_EQ(stats.retries, 0u);
    EXPECT_EQ(stats.failures, 2u);
    EXPECT_EQ(node.request_count(), 0u) << "no JSON-RPC request may reach an untrusted node";
}

TEST_F(RpcTlsTest, ACertificateForAnotherHostIsRefusedEvenFromTheTrustedCa) {
    FakeRpcNode node(pki().other_cert, pki().other_key);
    ASSERT_TRUE(node.valid());
    node.otherwise([](const json&) { return result(1); });
    const std::pair<std::string, std::string> cases[] = {
        {"127.0.0.1", "IP address mismatch"},
        {"localhost", "hostname mismatch"},
    };
    for (const auto& [host, reason] : cases) {
        SCOPED_TRACE(host);
        auto client = client_for(options(node.url(host), pki().ca));
        ASSERT_TRUE(client);
        auto reply = client->call("getBlockHeight", json::array());
        ASSERT_FALSE(reply) << "a certificate for rpc.example.com was accepted for " << host;
        const std::string& message = reply.error().message;
        EXPECT_EQ(reply.error().code, ErrorCode::ChainUnavailable) << describe(reply.error());
        EXPECT_NE(message.find("TLS certificate verification failed: SSLServerVerification"),
                  std::string::npos)
            << message;
        EXPECT_NE(message.find(reason), std::string::npos) << message;
        EXPECT_EQ(client->stats().http_requests, 1u);
    }
    EXPECT_EQ(node.request_count(), 0u);
}

TEST_F(RpcTlsTest, AnotherCaFileDoesNotVouchForTheNode) {
    FakeRpcNode node(pki().node_cert, pki().node_key);
    ASSERT_TRUE(node.valid());
    auto client = client_for(options(node.url(), pki().self_cert));
    ASSERT_TRUE(client);
    auto reply = client->call("getBlockHeight", json::array());
    ASSERT_FALSE(reply);
    EXPECT_NE(reply.error().message.find("SSLServerVerification"), std::string::npos)
        << describe(reply.error());
    EXPECT_EQ(client->stats().http_requests, 1u);
    EXPECT_EQ(node.request_count(), 0u);
}

// ---- the CA file -------------------------------------------------------------------------------

TEST_F(RpcTlsTest, TheCaFileIsCheckedWhenTheClientIsMade) {
    const std::string missing = (pki().dir / "missing.pem").string();
    const std::string folder = pki().dir.string();
    const std::pair<std::string, std::string> cases[] = {
        {missing, "No such file or directory"},
        {folder, "cannot be read"},
        {pki().not_pem, "holds no PEM certificate"},
    };
    for (const auto& [file, reason] : cases) {
        SCOPED_TRACE(file);
        auto client = RpcClient::create(options("https://127.0.0.1:8899/", file));
        ASSERT_FALSE(client) << "accepted";
        EXPECT_EQ(client.error().code, ErrorCode::InvalidValue) << describe(client.error());
        EXPECT_EQ(client.error().field, "ca_file");
        EXPECT_NE(client.error().message.find(file), std::string::npos) << client.error().message;
        EXPECT_NE(client.error().message.find(reason), std::string::npos) << client.error().message;
    }
    auto plain = RpcClient::create(options("http://127.0.0.1:8899/", pki().ca));
    ASSERT_FALSE(plain) << "a CA file with a plain-HTTP URL was accepted";
    EXPECT_EQ(plain.error().field, "ca_file");

    RpcChainOptions chain_options;
    chain_options.url = "https://127.0.0.1:8899/";
    chain_options.ca_file = missing;
    auto chain = RpcChain::create(chain_options);
    ASSERT_FALSE(chain);
    EXPECT_EQ(chain.error().field, "ca_file");
}

TEST_F(RpcTlsTest, HiltdRefusesToStartWithACaFileItCannotRead) {
    const std::filesystem::path db = pki().dir / "app.sqlite";
    ServerConfig config;
    config.db_path = db.string();
    config.port = 0;
    config.chain = "rpc";
    config.rpc_url = "https://127.0.0.1:8899/";
    config.rpc_ca_file = (pki().dir / "missing.pem").string();
    ManualClock clock(1'700'000'000'000);
    auto app = App::open(config, clock);
    ASSERT_FALSE(app) << "started without its CA file";
    EXPECT_EQ(app.error().field, "ca_file") << describe(app.error());
    EXPECT_NE(app.error().message.find("missing.pem"), std::string::npos) << describe(app.error());

    config.rpc_ca_file = pki().ca;
    auto started = App::open(config, clock);
    EXPECT_TRUE(started) << describe(started.error());
}

}  // namespace
}  // namespace hilt::server
