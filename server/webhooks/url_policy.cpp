// server/webhooks/url_policy.cpp: see url_policy.h.
#include "webhooks/url_policy.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <array>
#include <charconv>
#include <cstring>
#include <memory>

namespace hilt::server {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

Error refused(const std::string& why) {
    return fail(ErrorCode::UrlNotAllowed, "webhook URLs must reach a public https server: " + why, "url");
}

bool is_loopback_name(const std::string& host) {
    return host == "localhost" || host.ends_with(".localhost");
}

// Names that reach a cloud provider's instance metadata service or only exist inside a network.
bool is_internal_name(const std::string& host) {
    return host == "metadata" || host == "metadata.google.internal" || host.ends_with(".internal") ||
           host.ends_with(".local") || host == "instance-data" || host.ends_with(".home.arpa");
}

bool ipv4_allowed(const std::array<std::uint8_t, 4>& a, bool allow_loopback) {
    if (a[0] == 127) return allow_loopback;
    if (a[0] == 0 || a[0] == 10) return false;                           // "this network", private
    if (a[0] == 100 && (a[1] & 0xC0) == 64) return false;                // 100.64/10 carrier-grade NAT
    if (a[0] == 169 && a[1] == 254) return false;                        // link-local, metadata
    if (a[0] == 172 && (a[1] & 0xF0) == 16) return false;                // 172.16/12
    if (a[0] == 192 && a[1] == 168) return false;                        // 192.168/16
    if (a[0] == 192 && a[1] == 0 && (a[2] == 0 || a[2] == 2)) return false;  // IETF, TEST-NET-1
    if (a[0] == 198 && (a[1] & 0xFE) == 18) return false;                // benchmarking 198.18/15
    if (a[0] == 198 && a[1] == 51 && a[2] == 100) return false;          // TEST-NET-2
    if (a[0] == 203 && a[1] == 0 && a[2] == 113) return false;           // TEST-NET-3
    if (a[0] >= 224) return false;                                       // multicast, reserved, broadcast
    return true;
}

bool ipv6_allowed(const std::array<std::uint8_t, 16>& a, bool allow_loopback) {
    const auto zero_until = [&](std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            if (a[i] != 0) return false;
        }
        return true;
    };
    const auto tail_v4 = [&] { return std::array<std::uint8_t, 4>{a[12], a[13], a[14], a[15]}; };
    if (zero_until(15)) return a[15] == 1 ? allow_loopback : false;          // ::1, ::
    if (zero_until(10) && a[10] == 0xFF && a[11] == 0xFF) return ipv4_allowed(tail_v4(), allow_loopback);
    if (zero_until(12)) return ipv4_allowed(tail_v4(), allow_loopback);      // IPv4-compatible (deprecated)
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xFF && a[3] == 0x9B) {      // 64:ff9b::/96 NAT64
        return ipv4_allowed(tail_v4(), allow_loopback);
    }
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) return false;                 // fe80::/10 link-local
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0) return false;                 // fec0::/10 site-local
    if ((a[0] & 0xFE) == 0xFC) return false;                                 // fc00::/7 unique local
    if (a[0] == 0xFF) return false;                                          // multicast
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8) return false;  // documentation
    if (a[0] == 0x20 && a[1] == 0x02) return false;  // 6to4 can wrap any IPv4 address
    return true;
}

}  // namespace

bool webhook_address_allowed(std::string_view address, bool allow_loopback) {
    const std::string text(address);
    std::array<std::uint8_t, 4> v4{};
    if (inet_pton(AF_INET, text.c_str(), v4.data()) == 1) return ipv4_allowed(v4, allow_loopback);
    std::array<std::uint8_t, 16> v6{};
    if (inet_pton(AF_INET6, text.c_str(), v6.data()) == 1) return ipv6_allowed(v6, allow_loopback);
    return false;
}

Result<WebhookTarget> parse_webhook_url(std::string_view url, bool allow_loopback) {
    const auto invalid = [](const std::string& why) {
        return fail(ErrorCode::InvalidUrl, why, "url");
    };
    WebhookTarget target;
    std::string_view rest;
    const std::string scheme_part = lower(url.substr(0, std::min<std::size_t>(url.size(), 8)));
    if (scheme_part.starts_with("https://")) {
        rest = url.substr(8);
    } else if (scheme_part.starts_with("http://")) {
        target.https = false;
        target.port = 80;
        rest = url.substr(7);
    } else {
        return invalid("must be an https:// URL");
    }
    for (const char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == '\\') {
            return invalid("must not contain spaces, control characters or backslashes");
        }
    }
    if (url.find('#') != std::string_view::npos) return invalid("must not have a fragment");
    const std::size_t authority_end = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, authority_end);
    target.path = authority_end == std::string_view::npos ? "/" : std::string(rest.substr(authority_end));
    if (target.path.front() == '?') target.path.insert(0, "/");
    if (authority.find('@') != std::string_view::npos) return invalid("must not carry a user name or password");
    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return invalid("has an unterminated IPv6 address");
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return invalid("has text after the IPv6 address");
            port = after.substr(1);
        }
    } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) return invalid("has no host");
    if (!port.empty()) {
        int value = 0;
        const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (error != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535) {
            return invalid("has an invalid port");
        }
        target.port = value;
    }
    target.host = lower(host);
    if (target.host.back() == '.') target.host.pop_back();  // "example.com." is example.com
    if (target.host.empty()) return invalid("has no host");
    const bool loopback_name = is_loopback_name(target.host);
    if (is_internal_name(target.host)) return refused(target.host + " is an internal or metadata host name");
    if (loopback_name && !allow_loopback) return refused(target.host + " is this machine");
    // Numeric hosts are checked now; names when they resolve (at creation and before every attempt).
    std::array<std::uint8_t, 16> numeric{};
    const bool is_numeric = inet_pton(AF_INET, target.host.c_str(), numeric.data()) == 1 ||
                            inet_pton(AF_INET6, target.host.c_str(), numeric.data()) == 1;
    if (is_numeric && !webhook_address_allowed(target.host, allow_loopback)) {
        return refused(target.host + " is a private, loopback, link-local or reserved address");
    }
    if (!target.https) {
        const bool local = loopback_name || (is_numeric && webhook_address_allowed(target.host, true) &&
                                             !webhook_address_allowed(target.host, false));
        if (!allow_loopback || !local) return invalid("must be an https:// URL");
    }
    return target;
}

Result<std::string> resolve_webhook_target(const WebhookTarget& target, bool allow_loopback) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int status = getaddrinfo(target.host.c_str(), nullptr, &hints, &found);
    if (status != 0 || found == nullptr) {
        return fail(ErrorCode::InvalidUrl, target.host + " does not resolve: " + gai_strerror(status));
    }
    const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
    std::string first;
    for (const addrinfo* info = found; info != nullptr; info = info->ai_next) {
        std::array<char, INET6_ADDRSTRLEN> text{};
        const void* raw = info->ai_family == AF_INET
                              ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(info->ai_addr)->sin_addr)
                              : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(info->ai_addr)->sin6_addr);
        if (info->ai_family != AF_INET && info->ai_family != AF_INET6) continue;
        if (inet_ntop(info->ai_family, raw, text.data(), text.size()) == nullptr) continue;
        const std::string address(text.data());
        if (!webhook_address_allowed(address, allow_loopback)) {
            return refused(target.host + " resolves to " + address +
                           ", a private, loopback, link-local or reserved address");
        }
        if (first.empty()) first = address;
    }
    if (first.empty()) return fail(ErrorCode::InvalidUrl, target.host + " has no IPv4 or IPv6 address");
    return first;
}

}  // namespace hilt::server
