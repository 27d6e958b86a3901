// RFC 4121 §4.1.1: the contents of the authenticator checksum of type 0x8003.
//   Lgth (4, LE) = 16 | Bnd (16) | Flags (4, LE)
//   [ DlgOpt (2, LE) = 1 | Dlgth (2, LE) | Deleg (Dlgth) ]   when Flags has GSS_C_DELEG_FLAG
//   [ Exts: type (4, BE) | length (4, BE) | data ]*
//
// Read in two steps, because the acceptor checks the channel bindings between them (as MIT
// does, so the same damaged checksum gives the same major status on both): the fixed head,
// then what follows it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"

namespace apx::token {

inline constexpr int32_t kCksumTypeGss = 0x8003;
inline constexpr size_t kBindingHashSize = 16;
inline constexpr size_t kGssChecksumHeadSize = 4 + kBindingHashSize + 4;
// RFC 4121 §4.1.1.1: DlgOpt's only defined value.
inline constexpr uint16_t kDlgOptKrbCred = 1;
// The finished extension of an IAKERB exchange (draft-ietf-kitten-iakerb §3.1; type 1 in
// MIT's and Heimdal's registries).
inline constexpr uint32_t kExtIakerbFinished = 1;

struct GssChecksumHead {
  std::array<uint8_t, kBindingHashSize> bnd{};
  uint32_t flags = 0;
  std::span<const uint8_t> rest;  // the optional fields (borrowed)
};

struct GssChecksumTail {
  bool has_deleg = false;          // the delegation field is present (it may be empty)
  std::span<const uint8_t> deleg;  // KRB-CRED (borrowed)
  std::span<const uint8_t> exts;   // the whole, well-formed extension area (borrowed)
  bool iakerb_finished = false;    // an extension of type kExtIakerbFinished is present
  std::span<const uint8_t> finished;  // its data: an IAKERB-FINISHED (borrowed)
};

// Fewer than 24 octets: GSS_S_BAD_BINDINGS (MIT's major for it); Lgth other than 16:
// GSS_S_FAILURE. Minor kCksumFormat for both.
[[nodiscard]] base::Result<GssChecksumHead> parse_gss_checksum_head(std::span<const uint8_t> data);

// The delegation field (read only when `flags` has GSS_C_DELEG_FLAG and at least four
// octets follow, as MIT reads it) and the extensions. A field or extension that runs past
// the end: GSS_S_FAILURE kCksumFormat (kCksumExtension for an extension); DlgOpt other
// than 1: GSS_S_FAILURE kCksumDelegation.
[[nodiscard]] base::Result<GssChecksumTail> parse_gss_checksum_tail(uint32_t flags,
                                                                    std::span<const uint8_t> rest);

// `deleg` empty: no delegation field is written (and the DELEG flag must be clear).
// `finished` (an IAKERB-FINISHED) non-empty: written as the extension of type 1.
[[nodiscard]] std::vector<uint8_t> build_gss_checksum(
    std::span<const uint8_t, kBindingHashSize> bnd, uint32_t flags,
    std::span<const uint8_t> deleg, std::span<const uint8_t> finished = {});

}  // namespace apx::token
