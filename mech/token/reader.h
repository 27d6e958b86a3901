// apx::token::Reader — a bounded cursor over untrusted bytes.
//
// Every read is [[nodiscard]], never allocates or throws, and never advances on failure.
// A failed read latches: all later reads fail too, so a fixed header can be read field by
// field and checked once with ok(). Spans returned borrow the caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace apx::token {

class Reader {
 public:
  constexpr Reader() = default;
  constexpr explicit Reader(std::span<const uint8_t> bytes) : rest_(bytes) {}

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] bool at_end() const { return ok_ && rest_.empty(); }
  [[nodiscard]] size_t remaining() const { return ok_ ? rest_.size() : 0; }
  // The bytes not read yet (borrowed).
  [[nodiscard]] std::span<const uint8_t> rest() const {
    return ok_ ? rest_ : std::span<const uint8_t>();
  }

  [[nodiscard]] bool u8(uint8_t& out);
  [[nodiscard]] bool u16be(uint16_t& out);
  [[nodiscard]] bool u32be(uint32_t& out);
  [[nodiscard]] bool u32le(uint32_t& out);
  [[nodiscard]] bool u16le(uint16_t& out);
  [[nodiscard]] bool u64be(uint64_t& out);
  // n bytes as a sub-span of the caller's buffer (borrowed).
  [[nodiscard]] bool bytes(size_t n, std::span<const uint8_t>& out);
  // Skip n bytes.
  [[nodiscard]] bool skip(size_t n);
  // Strict DER: one tag octet equal to `tag`, minimal definite length of at most 4
  // octets; `out` reads exactly the contents and cannot run past this Reader.
  [[nodiscard]] bool der(uint8_t tag, Reader& out);
  // The same, returning the contents as a span (borrowed).
  [[nodiscard]] bool der_bytes(uint8_t tag, std::span<const uint8_t>& out);
  // Latch the failure by hand (e.g. a field had a wrong value).
  void fail() { ok_ = false; }

 private:
  [[nodiscard]] bool take(size_t n, const uint8_t*& p);
  std::span<const uint8_t> rest_;
  bool ok_ = true;
};

// DER definite length of `n` content octets: the number of length octets.
[[nodiscard]] size_t der_length_size(size_t n);
// Size of a DER TLV with `n` content octets (one tag octet).
[[nodiscard]] size_t der_size(size_t n);

}  // namespace apx::token
