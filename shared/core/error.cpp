// shared/core/error.cpp: wire codes and HTTP statuses of ErrorCode.
#include "core/error.h"

namespace hilt {

namespace {
struct ErrorInfo {
    std::string_view wire;
    int status;
};

constexpr ErrorInfo kErrorInfo[] = {
#define HILT_X(name, wire, status) {wire, status},
    HILT_ERROR_CODES(HILT_X)
#undef HILT_X
};
constexpr std::size_t kErrorCount = sizeof(kErrorInfo) / sizeof(kErrorInfo[0]);
}  // namespace

std::string_view to_string(ErrorCode code) {
    const auto index = static_cast<std::size_t>(code);
    return index < kErrorCount ? kErrorInfo[index].wire : std::string_view{"internal_error"};
}

int http_status(ErrorCode code) {
    const auto index = static_cast<std::size_t>(code);
    return index < kErrorCount ? kErrorInfo[index].status : 500;
}

bool error_code_from_string(std::string_view wire, ErrorCode& out) {
    for (std::size_t i = 0; i < kErrorCount; ++i) {
        if (kErrorInfo[i].wire == wire) {
            out = static_cast<ErrorCode>(i);
            return true;
        }
    }
    return false;
}

std::string describe(const Error& error) {
    std::string text{to_string(error.code)};
    if (!error.message.empty()) {
        text += ": ";
        text += error.message;
    }
    if (!error.field.empty()) {
        text += " (at ";
        text += error.field;
        text += ")";
    }
    return text;
}

}  // namespace hilt
