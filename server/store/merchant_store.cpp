// server/store/merchant_store.cpp: the merchant rules every backend shares (name and label limits).
// Must never: touch storage.
#include "store/merchant_store.h"

#include <string_view>

namespace hilt::server {

namespace {
std::size_t utf8_chars(std::string_view text) {
    std::size_t count = 0;
    for (unsigned char c : text) count += (c & 0xC0) != 0x80 ? 1 : 0;
    return count;
}
}  // namespace

Status check_merchant_name(const std::string& name) {
    if (name.empty()) return fail(ErrorCode::TooShort, "a merchant needs a name", "name");
    if (utf8_chars(name) > kMerchantNameMaxChars) {
        return fail(ErrorCode::TooLong, "merchant names are at most 120 characters", "name");
    }
    return {};
}

Status check_api_key_label(const std::optional<std::string>& label) {
    if (label && utf8_chars(*label) > kApiKeyLabelMaxChars) {
        return fail(ErrorCode::TooLong, "key labels are at most 80 characters", "label");
    }
    return {};
}

}  // namespace hilt::server
