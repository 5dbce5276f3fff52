// tests/support/fixtures.h: golden files under tests/fixtures/, shared by the C++ (native and wasm) and the
// browser tests.
#pragma once

#include <string>
#include <string_view>

namespace hilt::test {

// The whole file tests/fixtures/<relative_path>; fails the current test (and returns "") when unreadable.
std::string read_fixture(std::string_view relative_path);
std::string fixture_path(std::string_view relative_path);

}  // namespace hilt::test
