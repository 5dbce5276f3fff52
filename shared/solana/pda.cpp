// shared/solana/pda.cpp: PDA derivation (solana-sdk address/src/syscalls.rs, ATA
// interface/src/address.rs).
#include "solana/pda.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/sodium.h"

namespace hilt::solana {
namespace {

constexpr std::string_view kPdaMarker = "ProgramDerivedAddress";

Status check_seeds(std::span<const ByteView> seeds, std::size_t max_seeds) {
    if (seeds.size() > max_seeds) {
        return fail(ErrorCode::InvalidSeeds,
                    "at most " + std::to_string(max_seeds) + " seeds are allowed here", "seeds");
    }
    for (std::size_t i = 0; i < seeds.size(); ++i) {
        if (seeds[i].size() > kMaxSeedBytes) {
            return fail(ErrorCode::InvalidSeeds, "a seed is at most 32 bytes",
                        "seeds[" + std::to_string(i) + "]");
        }
    }
    return {};
}

// The hash of already-checked seeds, or nullopt when it lies on the curve.
std::optional<PublicKey> derive(std::span<const ByteView> seeds, const PublicKey& program_id) {
    Bytes preimage;
    for (const auto& seed : seeds) preimage.insert(preimage.end(), seed.begin(), seed.end());
    preimage.insert(preimage.end(), program_id.bytes.begin(), program_id.bytes.end());
    preimage.insert(preimage.end(), kPdaMarker.begin(), kPdaMarker.end());
    const Bytes32 hash = sha256(preimage);
    if (ed25519_is_on_curve(hash)) return std::nullopt;
    return PublicKey{hash};
}

}  // namespace

Result<PublicKey> create_program_address(std::span<const ByteView> seeds,
                                         const PublicKey& program_id) {
    HILT_TRY(check_seeds(seeds, kMaxSeeds));
    auto address = derive(seeds, program_id);
    if (!address) {
        return fail(ErrorCode::InvalidSeeds, "the derived address is on the ed25519 curve",
                    "seeds");
    }
    return *address;
}

Result<ProgramAddress> find_program_address(std::span<const ByteView> seeds,
                                            const PublicKey& program_id) {
    HILT_TRY(check_seeds(seeds, kMaxSeeds - 1));
    std::vector<ByteView> with_bump(seeds.begin(), seeds.end());
    std::array<std::uint8_t, 1> bump{};
    with_bump.push_back(ByteView(bump));
    // 0 is never tried (syscalls.rs try_find_program_address).
    for (int candidate = 255; candidate >= 1; --candidate) {
        bump[0] = static_cast<std::uint8_t>(candidate);
        if (auto address = derive(with_bump, program_id)) return ProgramAddress{*address, bump[0]};
    }
    return fail(ErrorCode::NoViableBump,
                "no bump from 255 down to 1 gives an address off the curve");
}

Result<ProgramAddress> associated_token_address(const PublicKey& owner, const PublicKey& mint,
                                                const PublicKey& token_program) {
    const std::array<ByteView, 3> seeds{ByteView(owner.bytes), ByteView(token_program.bytes),
                                        ByteView(mint.bytes)};
    return find_program_address(seeds, programs::kAssociatedToken);
}

}  // namespace hilt::solana
