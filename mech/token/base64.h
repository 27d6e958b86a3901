// RFC 4648 §4 base64 (standard alphabet, '=' padding), strict on decode as MIT's
// k5_base64_decode: a multiple of 4 characters, padding only at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/secret_bytes.h"

namespace apx::token {

[[nodiscard]] constexpr size_t base64_size(size_t n) { return (n + 2) / 3 * 4; }
// Writes base64_size(in.size()) characters to `out`; false when `out` has another size.
[[nodiscard]] bool base64_encode(std::span<const uint8_t> in, std::span<uint8_t> out);

// The decoded bytes, or nullopt when `text` is not strict base64.
[[nodiscard]] std::optional<std::vector<uint8_t>> base64_decode(std::span<const uint8_t> text);
// The same into wiped memory (keys).
[[nodiscard]] std::optional<base::SecretBytes> base64_decode_secret(
    std::span<const uint8_t> text);

}  // namespace apx::token
