// Small helpers for the token tests: hex literals and buffers of an exact size, so that
// AddressSanitizer sees any read past the end of a span.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace apx::test {

inline std::vector<uint8_t> hex(std::string_view s) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<uint8_t> out;
  int hi = -1;
  for (char c : s) {
    if (c == ' ' || c == '\n') continue;
    const int v = nibble(c);
    if (v < 0) throw std::invalid_argument("bad hex digit");
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

// A heap copy of the first n bytes of `src` with nothing after it.
class ExactBuffer {
 public:
  ExactBuffer(std::span<const uint8_t> src, size_t n)
      : data_(std::make_unique<uint8_t[]>(n == 0 ? 1 : n)), size_(n) {
    for (size_t i = 0; i < n; ++i) data_[i] = src[i];
  }
  std::span<const uint8_t> span() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_;
};

}  // namespace apx::test
