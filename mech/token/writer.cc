#include "token/writer.h"

#include <algorithm>

#include "token/reader.h"

namespace apx::token {

uint8_t* Writer::take(size_t n) {
  if (!ok_ || out_.size() - pos_ < n) {
    ok_ = false;
    return nullptr;
  }
  uint8_t* p = out_.data() + pos_;
  pos_ += n;
  return p;
}

void Writer::u8(uint8_t v) {
  if (uint8_t* p = take(1)) p[0] = v;
}

void Writer::u16be(uint16_t v) {
  if (uint8_t* p = take(2)) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
  }
}

void Writer::u16le(uint16_t v) {
  if (uint8_t* p = take(2)) {
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
  }
}

void Writer::u32be(uint32_t v) {
  if (uint8_t* p = take(4))
    for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

void Writer::u32le(uint32_t v) {
  if (uint8_t* p = take(4))
    for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

void Writer::u64be(uint64_t v) {
  if (uint8_t* p = take(8))
    for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}

void Writer::bytes(std::span<const uint8_t> b) {
  if (b.empty()) return;
  if (uint8_t* p = take(b.size())) std::copy(b.begin(), b.end(), p);
}

void Writer::zeros(size_t n) {
  if (uint8_t* p = take(n)) std::fill_n(p, n, uint8_t{0});
}

void Writer::der_header(uint8_t tag, size_t n) {
  u8(tag);
  const size_t len_size = der_length_size(n);
  if (len_size == 1) {
    u8(static_cast<uint8_t>(n));
    return;
  }
  u8(static_cast<uint8_t>(0x80 | (len_size - 1)));
  for (size_t i = len_size - 1; i > 0; --i) u8(static_cast<uint8_t>(n >> (8 * (i - 1))));
}

std::span<uint8_t> Writer::reserve(size_t n) {
  uint8_t* p = take(n);
  return p ? std::span<uint8_t>(p, n) : std::span<uint8_t>();
}

}  // namespace apx::token
