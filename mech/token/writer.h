// apx::token::Writer — fills a buffer whose exact size was computed first.
//
// Writes past the end are refused and latch a failure; done() is true only when every
// byte of the buffer was written and nothing overflowed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace apx::token {

class Writer {
 public:
  explicit Writer(std::span<uint8_t> out) : out_(out) {}

  void u8(uint8_t v);
  void u16be(uint16_t v);
  void u16le(uint16_t v);
  void u32be(uint32_t v);
  void u32le(uint32_t v);
  void u64be(uint64_t v);
  void bytes(std::span<const uint8_t> b);
  void zeros(size_t n);
  // DER tag and definite length header for `n` content octets.
  void der_header(uint8_t tag, size_t n);
  // A span of n bytes to fill later (e.g. a checksum); empty on overflow.
  [[nodiscard]] std::span<uint8_t> reserve(size_t n);

  [[nodiscard]] size_t written() const { return pos_; }
  [[nodiscard]] bool done() const { return ok_ && pos_ == out_.size(); }

 private:
  [[nodiscard]] uint8_t* take(size_t n);
  std::span<uint8_t> out_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace apx::token
