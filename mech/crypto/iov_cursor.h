// A cursor over the logical concatenation of the selected buffers of an IOV list, so a
// message split at any byte can be processed without copying it. Never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/iov.h"

namespace apx::crypto {

using IovSelect = bool (*)(IovKind);

// Total bytes of the buffers of `iov` that `select` accepts.
[[nodiscard]] size_t iov_stream_size(std::span<const CryptoIov> iov, IovSelect select);

class IovCursor {
 public:
  IovCursor(std::span<const CryptoIov> iov, IovSelect select);

  // The bytes from the cursor to the end of its current buffer (empty buffers and
  // buffers not selected are skipped), extended over the selected buffers that follow it
  // directly in memory; empty at the end of the stream. A message laid out in one token
  // (header, confounder, data, trailer side by side) is then one run, so a cipher sees
  // it in one call rather than one per buffer.
  [[nodiscard]] std::span<uint8_t> run() const;
  // Moves forward by `n` bytes of the stream (at most what is left).
  void advance(size_t n);
  // Copies the next out.size() bytes of the stream into `out` (fewer at its end) and
  // moves past them; returns the count copied.
  size_t read(std::span<uint8_t> out);
  // Overwrites the next in.size() bytes of the stream with `in` (fewer at its end) and
  // moves past them; returns the count written.
  size_t write(std::span<const uint8_t> in);

 private:
  void skip_exhausted();

  std::span<const CryptoIov> iov_;
  IovSelect select_;
  size_t index_ = 0;
  size_t offset_ = 0;
};

}  // namespace apx::crypto
