// tests/fuzz/fuzz_support.h: what every fuzz target shares. Include it from exactly one file per target
// (each target is one .cpp): it defines libFuzzer's LLVMFuzzerInitialize.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "crypto/sodium.h"

namespace hilt::fuzz {

// An invariant of the parser under test: when it does not hold, print it and abort, which libFuzzer
// reports as a crash and saves the input under -artifact_prefix.
inline void require(bool condition, const char* what) {
    if (condition) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

}  // namespace hilt::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    hilt::fuzz::require(static_cast<bool>(hilt::crypto_ready()), "libsodium starts");
    return 0;
}
