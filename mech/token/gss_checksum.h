// RFC 4121 §4.1.1: the contents of the authenticator checksum of type 0x8003.
//   Lgth (4, LE) = 16 | Bnd (16) | Flags (4, LE)
//   [ DlgOpt (2, LE) = 1 | Dlgth (2, LE) | Deleg (Dlgth) ]   when Flags has GSS_C_DELEG_FLAG
//   [ Exts ]
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"

namespace apx::token {

inline constexpr int32_t kCksumTypeGss = 0x8003;
inline constexpr size_t kBindingHashSize = 16;

struct GssChecksum {
  std::array<uint8_t, kBindingHashSize> bnd{};
  uint32_t flags = 0;
  std::span<const uint8_t> deleg;  // KRB-CRED when present (borrowed)
  std::span<const uint8_t> exts;   // extensions, not interpreted (borrowed)
};

[[nodiscard]] base::Result<GssChecksum> parse_gss_checksum(std::span<const uint8_t> data);

// `deleg` empty: no delegation field is written (and the DELEG flag must be clear).
[[nodiscard]] std::vector<uint8_t> build_gss_checksum(
    std::span<const uint8_t, kBindingHashSize> bnd, uint32_t flags,
    std::span<const uint8_t> deleg);

}  // namespace apx::token
