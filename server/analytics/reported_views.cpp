// server/analytics/reported_views.cpp: nginx's view reports parsed and counted (see
// reported_views.h).
#include "analytics/reported_views.h"

#include "analytics/view_counter.h"
#include "models/common.h"

namespace hilt::server {

namespace {

constexpr std::string_view kPayloadPathPrefix = "/v1/products/p/";

}  // namespace

std::optional<std::string_view> parse_view_path(std::string_view path) {
    if (!path.starts_with(kPayloadPathPrefix)) return std::nullopt;
    std::string_view slug = path.substr(kPayloadPathPrefix.size());
    slug = slug.substr(0, slug.find('?'));
    if (!models::validate_slug(slug)) return std::nullopt;
    return slug;
}

ReportedViews::ReportedViews(ViewCounter& views, FindProduct find_product, Now now)
    : views_(views), find_product_(std::move(find_product)), now_(std::move(now)) {}

void ReportedViews::count(std::string_view slug) {
    auto it = product_ids_.find(slug);
    if (it == product_ids_.end()) {
        auto product_id = find_product_(std::string(slug));
        if (!product_id) {
            ++dropped_;
            return;
        }
        if (product_ids_.size() >= kReportedViewsMaxSlugs) product_ids_.clear();
        it = product_ids_.emplace(std::string(slug), std::move(*product_id)).first;
    }
    views_.count(it->second, now_());
    ++counted_;
}

}  // namespace hilt::server
