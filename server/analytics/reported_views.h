// server/analytics/reported_views.h: payload views nginx reports by path, counted through the ViewCounter.
//
// Owns: what nginx's two ways of reporting views share (the UDP listener, view_reports.h, and the view log
// follower, view_log.h): the logged path parsed to a slug, the slug -> product id cache, and the tallies.
//  - The slug -> product id lookup is cached in memory (slugs never change), so a view costs no store read
//    after a product's first; unknown slugs are not cached and count as dropped.
//  - One reader thread at a time calls count() and drop() (the cache is that thread's own); the tallies may
//    be read from any thread.
// Must never: read the store for a cached slug.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hilt::server {

class ViewCounter;

// Slugs whose product id is kept; past it the map starts over (only existing products get in).
inline constexpr std::size_t kReportedViewsMaxSlugs = 100'000;

// The payload slug of a path nginx logged for a view (`/v1/products/p/{slug}`, a query string ignored);
// nullopt for any other path.
std::optional<std::string_view> parse_view_path(std::string_view path);

class ReportedViews {
public:
    // The product id of a slug (nullopt: no such product), and the current Unix second.
    using FindProduct = std::function<std::optional<std::string>(const std::string& slug)>;
    using Now = std::function<std::int64_t()>;

    ReportedViews(ViewCounter& views, FindProduct find_product, Now now);

    // One view of the product with `slug`: counted, or dropped when no product has that slug.
    void count(std::string_view slug);
    // One report that was not a view (malformed).
    void drop() { ++dropped_; }

    std::uint64_t counted() const { return counted_.load(); }
    std::uint64_t dropped() const { return dropped_.load(); }

private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    };

    ViewCounter& views_;
    FindProduct find_product_;
    Now now_;
    // slug -> product id, looked up without a copy of the slug.
    std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> product_ids_;
    std::atomic<std::uint64_t> counted_{0};
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace hilt::server
