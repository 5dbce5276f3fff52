// server/http/tls_client.h: the TLS settings of every https connection hiltd opens (RPC node, webhook
// endpoints), for httplib::Client and httplib::SSLClient alike.
// WARNING: verification is explicitly on (it is httplib 0.11's default, but not every version's), the trust
// anchors are the CA file or the system's store, and OpenSSL checks the host name itself (RFC 6125:
// subjectAltName only, no partial wildcards, exact IP addresses) in addition to httplib's looser check.
#pragma once

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <string>

namespace hilt::server {

template <typename HttpsClient>
void configure_tls(HttpsClient& connection, const std::string& host, const std::string& ca_file) {
    connection.enable_server_certificate_verification(true);
    if (!ca_file.empty()) connection.set_ca_cert_path(ca_file);
    SSL_CTX* context = connection.ssl_context();
    if (!context) return;  // httplib could not make one: every request fails (SSLConnection)
    // TLS 1.0 and 1.1 are deprecated (RFC 8996).
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(context);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    // An IP address must appear as an iPAddress name; anything else is a DNS name. If OpenSSL
    // cannot take the name (out of memory), httplib's own check still applies.
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
        X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    }
    // A stale entry in this thread's error queue would make the handshake's SSL_get_error lie.
    ERR_clear_error();
}

}  // namespace hilt::server
