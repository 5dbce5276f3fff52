// shared/core/result.h: Result<T>, a value or an Error, never an exception.
//
// Contract:
//  - A Result converts to true when it holds a value; value() on an error is a programming error (asserts).
//  - Functions that can fail return Result<T> and are [[nodiscard]] through the type itself.
//  - Build errors with fail(code, message, field); an Error converts implicitly into any Result<T>.
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.h"

namespace hilt {

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const { return data_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok() && "Result::value() called on an error");
        return std::get<0>(data_);
    }
    const T& value() const& {
        assert(ok() && "Result::value() called on an error");
        return std::get<0>(data_);
    }
    T&& value() && {
        assert(ok() && "Result::value() called on an error");
        return std::get<0>(std::move(data_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const {
        assert(!ok() && "Result::error() called on a value");
        return std::get<1>(data_);
    }

    T value_or(T fallback) const& { return ok() ? std::get<0>(data_) : std::move(fallback); }

private:
    std::variant<T, Error> data_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const {
        assert(!ok_ && "Result::error() called on success");
        return error_;
    }

private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

inline Error fail(ErrorCode code, std::string message, std::string field = {}) {
    return Error{code, std::move(message), std::move(field)};
}

// Prefixes a field path: at("membership_config", err) turns field "grace_period_days" into
// "membership_config.grace_period_days".
inline Error at(std::string_view parent, Error error) {
    if (error.field.empty()) {
        error.field = std::string(parent);
    } else if (error.field.front() == '[') {
        error.field = std::string(parent) + error.field;
    } else {
        error.field = std::string(parent) + "." + error.field;
    }
    return error;
}

}  // namespace hilt

// Propagates the error of a Result expression out of the current function.
#define HILT_TRY(expr)                                  \
    do {                                                \
        auto&& hilt_try_result_ = (expr);               \
        if (!hilt_try_result_) return hilt_try_result_.error(); \
    } while (0)
