#include "crypto/nfold.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace apx::crypto {
namespace {

// Bit `i` of `in`, counting from the most significant bit of the first byte.
unsigned bit_at(std::span<const uint8_t> in, size_t i) {
  return (in[i / 8] >> (7 - i % 8)) & 1U;
}

// Byte `j` of `in` rotated right by `r` bits (the rotation RFC 3961 §5.1 applies to each
// successive copy of the input).
unsigned rotated_byte(std::span<const uint8_t> in, size_t r, size_t j) {
  const size_t bits = in.size() * 8;
  unsigned v = 0;
  for (size_t b = 0; b < 8; ++b) {
    const size_t dst = j * 8 + b;
    v = (v << 1) | bit_at(in, (dst + bits - r % bits) % bits);
  }
  return v;
}

}  // namespace

// RFC 3961 §5.1: "replicate the input value to a length that is the least common
// multiple of n and the length of the input. Before each repetition, the input is rotated
// to the right by 13 bit positions. The successive n-bit chunks are added together using
// 1's-complement addition (that is, with end-around carry) to yield a n-bit result."
void nfold(std::span<const uint8_t> in, std::span<uint8_t> out) {
  if (in.empty() || out.empty()) return;
  const size_t n = out.size();
  const size_t total = std::lcm(in.size(), n);
  std::vector<unsigned> column(n, 0);
  for (size_t pos = 0; pos < total; ++pos) {
    const size_t copy = pos / in.size();
    column[pos % n] += rotated_byte(in, 13 * copy, pos % in.size());
  }
  // Propagate carries right to left; the carry out of the first byte wraps around to
  // the last, until no carry is left.
  unsigned carry = 0;
  do {
    carry = 0;
    for (size_t i = n; i-- > 0;) {
      const unsigned v = column[i] + carry;
      column[i] = v & 0xFF;
      carry = v >> 8;
    }
    column[n - 1] += carry;
  } while (carry != 0);
  std::transform(column.begin(), column.end(), out.begin(),
                 [](unsigned v) { return static_cast<uint8_t>(v); });
}

}  // namespace apx::crypto
