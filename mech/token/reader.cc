#include "token/reader.h"

namespace apx::token {

bool Reader::take(size_t n, const uint8_t*& p) {
  if (!ok_ || rest_.size() < n) {
    ok_ = false;
    return false;
  }
  p = rest_.data();
  rest_ = rest_.subspan(n);
  return true;
}

bool Reader::u8(uint8_t& out) {
  const uint8_t* p = nullptr;
  if (!take(1, p)) return false;
  out = p[0];
  return true;
}

bool Reader::u16be(uint16_t& out) {
  const uint8_t* p = nullptr;
  if (!take(2, p)) return false;
  out = static_cast<uint16_t>((p[0] << 8) | p[1]);
  return true;
}

bool Reader::u16le(uint16_t& out) {
  const uint8_t* p = nullptr;
  if (!take(2, p)) return false;
  out = static_cast<uint16_t>((p[1] << 8) | p[0]);
  return true;
}

bool Reader::u32be(uint32_t& out) {
  const uint8_t* p = nullptr;
  if (!take(4, p)) return false;
  out = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  return true;
}

bool Reader::u32le(uint32_t& out) {
  const uint8_t* p = nullptr;
  if (!take(4, p)) return false;
  out = (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
  return true;
}

bool Reader::u64be(uint64_t& out) {
  const uint8_t* p = nullptr;
  if (!take(8, p)) return false;
  out = 0;
  for (int i = 0; i < 8; ++i) out = (out << 8) | p[i];
  return true;
}

bool Reader::bytes(size_t n, std::span<const uint8_t>& out) {
  const uint8_t* p = nullptr;
  if (!take(n, p)) return false;
  out = {p, n};
  return true;
}

bool Reader::skip(size_t n) {
  const uint8_t* p = nullptr;
  return take(n, p);
}

bool Reader::der_bytes(uint8_t tag, std::span<const uint8_t>& out) {
  if (!ok_) return false;
  Reader probe(rest_);
  uint8_t t = 0, first = 0;
  if (!probe.u8(t) || t != tag || !probe.u8(first)) {
    ok_ = false;
    return false;
  }
  size_t len = first;
  if (first & 0x80) {
    // X.690 §8.1.3.5: long form; DER §10.1: minimal. 0x80 (indefinite) is not DER.
    const size_t nlen = first & 0x7f;
    if (nlen == 0 || nlen > 4) {
      ok_ = false;
      return false;
    }
    len = 0;
    for (size_t i = 0; i < nlen; ++i) {
      uint8_t b = 0;
      if (!probe.u8(b) || (i == 0 && b == 0)) {
        ok_ = false;
        return false;
      }
      len = (len << 8) | b;
    }
    if (len < 0x80) {
      ok_ = false;
      return false;
    }
  }
  std::span<const uint8_t> contents;
  if (!probe.bytes(len, contents)) {
    ok_ = false;
    return false;
  }
  rest_ = probe.rest_;
  out = contents;
  return true;
}

bool Reader::der(uint8_t tag, Reader& out) {
  std::span<const uint8_t> contents;
  if (!der_bytes(tag, contents)) return false;
  out = Reader(contents);
  return true;
}

size_t der_length_size(size_t n) {
  if (n < 0x80) return 1;
  size_t octets = 0;
  for (size_t v = n; v != 0; v >>= 8) ++octets;
  return 1 + octets;
}

size_t der_size(size_t n) { return 1 + der_length_size(n) + n; }

}  // namespace apx::token
