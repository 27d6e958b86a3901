// The interprocess token of gss_export_sec_context (RFC 2743 §2.2.8): apx's own layout,
// versioned, encoded length first and read back with the same bounded Reader as any
// untrusted input. The codec knows bytes only; context_export.cc maps them to a Context.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace apx::core {

struct ExportedKey {
  int32_t enctype = 0;
  std::span<const uint8_t> bytes;  // empty: no such key
};

// Every span and view is borrowed: from the exporting Context when encoding, from the
// token when decoding.
struct ExportedContext {
  bool initiator = false;
  uint8_t mech = 0;  // index into context_export.cc's table of mechanism OIDs
  uint32_t flags = 0;
  uint32_t endtime = 0;
  std::string_view initiator_name;  // krb5 principal text; empty: none
  std::string_view acceptor_name;
  ExportedKey context_key;
  ExportedKey acceptor_subkey;
  ExportedKey session_key;
  uint64_t send_seq = 0;
  uint64_t window_base = 0;
  uint64_t window_next = 0;
  uint64_t window_map = 0;
  bool replay = false;
  bool sequence = false;
};

// The token holds keys: it is wiped when released.
[[nodiscard]] base::Result<base::SecretBytes> encode_exported_context(const ExportedContext& c);
[[nodiscard]] base::Result<ExportedContext> decode_exported_context(
    std::span<const uint8_t> token);

}  // namespace apx::core
