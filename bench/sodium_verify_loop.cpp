// bench/sodium_verify_loop.cpp: the baseline for broadcast: how many ed25519 signature checks this machine's
// cores do per second with libsodium, the check hiltd makes on every buyer-signed transaction before it records
// and sends it. One keypair, one message of a Solana transaction's size, crypto_sign_verify_detached in a loop on
// --threads threads (one per core by default: hiltd's broadcasts are spread over its worker pool the same way).
//
// Owns: only that measurement. Must never: verify a different message size from the one it is told, skip a check
// (every result is tested: a failed check is an error, not a faster loop), or be used outside scripts/bench.
//
// Usage: hilt_bench_sodium_verify [--seconds 5] [--message-bytes 400] [--threads <cores>]
// Prints one JSON line: {"verifies":N,"seconds":S,"verifies_per_second":R,"threads":T}.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kDefaultSeconds = 5;
// A one-signer SPL transfer with a memo and a reference key, as hiltd builds it, is about 400 bytes of message.
constexpr int kDefaultMessageBytes = 400;

int fail(const std::string& message) {
    std::fprintf(stderr, "hilt_bench_sodium_verify: %s\n", message.c_str());
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::map<std::string, std::string> flags = {{"--seconds", std::to_string(kDefaultSeconds)},
                                                {"--message-bytes", std::to_string(kDefaultMessageBytes)},
                                                {"--threads", std::to_string(cores)}};
    if (argc % 2 == 0) return fail("flags come in pairs: --name value");
    for (int i = 1; i + 1 < argc; i += 2) {
        if (flags.count(argv[i]) == 0) return fail(std::string("unknown flag ") + argv[i]);
        flags[argv[i]] = argv[i + 1];
    }
    const int seconds = std::atoi(flags["--seconds"].c_str());
    const int message_bytes = std::atoi(flags["--message-bytes"].c_str());
    const int threads = std::atoi(flags["--threads"].c_str());
    if (seconds < 1 || message_bytes < 1 || threads < 1) return fail("every flag must be a positive number");
    if (sodium_init() < 0) return fail("sodium_init failed");

    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
    std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret_key{};
    crypto_sign_keypair(public_key.data(), secret_key.data());
    std::vector<unsigned char> message(static_cast<std::size_t>(message_bytes));
    randombytes_buf(message.data(), message.size());
    std::array<unsigned char, crypto_sign_BYTES> signature{};
    crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), secret_key.data());

    using Clock = std::chrono::steady_clock;
    std::atomic<bool> bad{false};
    std::vector<unsigned long long> counts(static_cast<std::size_t>(threads), 0);
    const auto start = Clock::now();
    const auto end = start + std::chrono::seconds(seconds);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            unsigned long long done = 0;
            // The clock is read once per 64 checks: a check takes tens of microseconds, the read far less.
            while (Clock::now() < end) {
                for (int i = 0; i < 64; ++i) {
                    if (crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                                    public_key.data()) != 0) {
                        bad = true;
                        return;
                    }
                }
                done += 64;
            }
            counts[static_cast<std::size_t>(t)] = done;
        });
    }
    for (auto& worker : workers) worker.join();
    if (bad) return fail("a valid signature failed to verify");
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    unsigned long long verifies = 0;
    for (const auto count : counts) verifies += count;
    std::printf("{\"verifies\":%llu,\"seconds\":%.3f,\"verifies_per_second\":%.1f,\"threads\":%d}\n", verifies,
                elapsed, static_cast<double>(verifies) / elapsed, threads);
    return 0;
}
