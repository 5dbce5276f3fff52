// server/webhooks/url_policy.h: which URLs webhooks may be sent to (SSRF).
//
// A webhook URL is https://host[:port][/path][?query] with no user info and no fragment. Its host, and every
// address it resolves to, must be public: private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7),
// loopback, link-local (169.254/16 with the cloud metadata address, fe80::/10), unspecified, multicast,
// reserved and metadata host names are refused. With `allow_loopback` (a flag for tests and local
// development) loopback hosts are accepted, over http too; nothing else changes.
// The address checked is the address connected to (resolve_webhook_target pins it), so a DNS answer that
// changes between the check and the connection (rebinding) cannot reach a refused address.
// Must never: let a refused address through because its name or its IPv4-in-IPv6 form looks different.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace hilt::server {

struct WebhookTarget {
    bool https = true;
    std::string host;  // lower case; IPv6 without brackets
    int port = 443;
    std::string path;  // "/…" with the query, never empty
};

// The URL's parts, or invalid_value naming what is wrong (checks scheme and host names, not addresses).
[[nodiscard]] Result<WebhookTarget> parse_webhook_url(std::string_view url, bool allow_loopback);
// True when a numeric address (IPv4 dotted or IPv6 text) may receive webhooks.
[[nodiscard]] bool webhook_address_allowed(std::string_view address, bool allow_loopback);
// Resolves the host: url_not_allowed when any of its addresses is refused, invalid_url when it does not
// resolve. Returns the numeric address to connect to.
[[nodiscard]] Result<std::string> resolve_webhook_target(const WebhookTarget& target, bool allow_loopback);

}  // namespace hilt::server
