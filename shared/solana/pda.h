// shared/solana/pda.h: program derived addresses and associated token accounts (solana-phantom.md
// §3.4).
//
// Owns: create_program_address, find_program_address and the associated token address of (owner,
// mint).
// Must never: use libsodium's crypto_core_ed25519_is_valid_point as the curve test (it
// rejects small-order and non-subgroup points and derives wrong addresses); the test is
// crypto/sodium.h's ed25519_is_on_curve.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/result.h"
#include "encoding/base58.h"
#include "solana/pubkey.h"

namespace hilt::solana {

// Runtime limits (address/src/lib.rs MAX_SEED_LEN, MAX_SEEDS); the bump counts as one of the 16
// seeds.
inline constexpr std::size_t kMaxSeedBytes = 32;
inline constexpr std::size_t kMaxSeeds = 16;

struct ProgramAddress {
    PublicKey address;
    std::uint8_t bump = 0;

    friend bool operator==(const ProgramAddress&, const ProgramAddress&) = default;
};

// sha256(seeds… || program_id || "ProgramDerivedAddress"); invalid_seeds when a seed is longer than
// 32 bytes, there are more than 16 seeds, or the hash is a point on the ed25519 curve.
[[nodiscard]] Result<PublicKey> create_program_address(std::span<const ByteView> seeds,
                                                       const PublicKey& program_id);

// The first bump from 255 down to 1 whose address is off the curve; at most 15 seeds (the bump is
// the 16th); no_viable_bump when none is.
[[nodiscard]] Result<ProgramAddress> find_program_address(std::span<const ByteView> seeds,
                                                          const PublicKey& program_id);

// The associated token account of `owner` for `mint`: seeds [owner, token_program, mint] under the
// Associated Token Account program. The owner may itself be off the curve (a PDA).
[[nodiscard]] Result<ProgramAddress> associated_token_address(
    const PublicKey& owner, const PublicKey& mint,
    const PublicKey& token_program = programs::kToken);

}  // namespace hilt::solana
