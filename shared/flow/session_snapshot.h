// shared/flow/session_snapshot.h: the JSON form of SessionSnapshot, what the checkout keeps in
// browser storage between page loads (a Phantom deeplink app-switch reloads the page).
//
// Owns: SessionSnapshot <-> JSON, with the same non-throwing, unknown-key-rejecting reader as the
// wire models (models/json_reader.h). Must never: hold a secret (the Phantom encryption keys and
// session live in the platform's own storage), or throw / abort on a stored value that was tampered
// with or written by an older version.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "flow/checkout_machine.h"
#include "models/common.h"

namespace hilt::flow {

// Bounds a stored value before parsing (a snapshot is a few kilobytes).
inline constexpr std::size_t kMaxSnapshotBytes = 16 * 1024;  // session + handoff + ids, with margin

[[nodiscard]] Status from_json(const models::Json& json, SessionSnapshot& out);
models::Json to_json(const SessionSnapshot& value);

// Compact JSON text for storage.
std::string dump_snapshot(const SessionSnapshot& snapshot);
// Reads stored text: invalid_json, payload_too_large, wrong_type, missing_field, unknown_field, …
// with a field path; out_of_range for a snapshot of another version (discard it and start over).
[[nodiscard]] Result<SessionSnapshot> parse_snapshot(std::string_view text);

}  // namespace hilt::flow
