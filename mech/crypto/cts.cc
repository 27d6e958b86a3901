#include "crypto/cts.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>

#include "crypto/iov_cursor.h"

namespace apx::crypto {
namespace {

using base::Minor;
using base::Result;
using base::Status;
using Block = std::array<uint8_t, kBlockSize>;

// Wipes a stack temporary that held plaintext when it goes out of scope.
template <size_t N>
struct Scratch {
  std::array<uint8_t, N> bytes{};
  ~Scratch() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

void xor_into(std::span<uint8_t> dst, std::span<const uint8_t> src) {
  for (size_t i = 0; i < dst.size(); ++i) dst[i] ^= src[i];
}

// Plain CBC over the next `n` bytes (a multiple of the block size) of the stream at `cur`,
// in place: whole blocks inside one buffer go to OpenSSL directly, a block split across
// buffers is gathered into a temporary, transformed and scattered back.
Status cbc_stream(CbcKey& key, IovCursor& cur, size_t n) {
  while (n > 0) {
    std::span<uint8_t> run = cur.run();
    const size_t whole = std::min(run.size(), n) / kBlockSize * kBlockSize;
    if (whole > 0) {
      APX_TRY(key.update(run.first(whole)));
      cur.advance(whole);
      n -= whole;
      continue;
    }
    Scratch<kBlockSize> block;
    IovCursor at = cur;
    if (cur.read(block.bytes) != kBlockSize) return Status::failure(Minor::kInternal);
    APX_TRY(key.update(block.bytes));
    at.write(block.bytes);
    n -= kBlockSize;
  }
  return Status::complete();
}

// Bytes of the last (possibly partial) block of an n-byte stream, n > block size: 1..16.
size_t last_block_size(size_t n) { return n - (n - 1) / kBlockSize * kBlockSize; }

// A cursor `offset` bytes into the stream.
IovCursor cursor_at(std::span<const CryptoIov> iov, size_t offset) {
  IovCursor c(iov, is_encrypted);
  c.advance(offset);
  return c;
}

Status one_block(CbcKey& key, IovCursor& cur, std::span<uint8_t, kBlockSize> state) {
  Scratch<kBlockSize> block;
  IovCursor at = cur;
  if (cur.read(block.bytes) != kBlockSize) return Status::failure(Minor::kInternal);
  // The next IV is the ciphertext block, whichever the direction.
  const bool encrypting = key.direction() == CbcKey::Direction::encrypt;
  if (!encrypting) std::copy(block.bytes.begin(), block.bytes.end(), state.begin());
  APX_TRY(key.update(block.bytes));
  at.write(block.bytes);
  if (encrypting) std::copy(block.bytes.begin(), block.bytes.end(), state.begin());
  return Status::complete();
}

// Exchanges C(m-1) and C(m), the two ciphertext blocks at `at`: from CBC order into CTS
// order when encrypting, back when decrypting. Returns C(m), the next cipher state.
Status swap_blocks(CbcKey::Direction direction, IovCursor at,
                   std::span<uint8_t, kBlockSize> c_m) {
  std::array<uint8_t, 2 * kBlockSize> t{};  // ciphertext only: nothing to wipe
  IovCursor w = at;
  if (at.read(t) != t.size()) return Status::failure(Minor::kInternal);
  std::rotate(t.begin(), t.begin() + kBlockSize, t.end());
  w.write(t);
  const size_t c_m_at = direction == CbcKey::Direction::encrypt ? 0 : kBlockSize;
  std::copy_n(t.begin() + c_m_at, kBlockSize, c_m.begin());
  return Status::complete();
}

// What both directions start with: a key of the right direction reset to `state`, and
// the stream's size, at least one block.
Result<size_t> begin(CbcKey& key, CbcKey::Direction direction, std::span<const CryptoIov> iov,
                     std::span<uint8_t, kBlockSize> state) {
  if (key.direction() != direction) return Status::failure(Minor::kInternal);
  const size_t n = iov_stream_size(iov, is_encrypted);
  if (n < kBlockSize) return Status::failure(Minor::kMsgIovInvalid);
  APX_TRY(key.reset(state));
  return n;
}

}  // namespace

// RFC 3962 §5: CBC over the plaintext padded with zeros to whole blocks, then the last two
// ciphertext blocks swapped and the (new) last one cut to the length of the last plaintext
// block. Every whole block goes through one CBC pass (one OpenSSL call when the buffers
// are contiguous); only the partial block, if any, takes a second call.
Status cts_encrypt(CbcKey& key, std::span<const CryptoIov> iov,
                   std::span<uint8_t, kBlockSize> state) {
  APX_TRY_ASSIGN(const size_t n, begin(key, CbcKey::Direction::encrypt, iov, state));
  IovCursor cur(iov, is_encrypted);
  if (n == kBlockSize) return one_block(key, cur, state);

  const size_t tail = last_block_size(n);
  if (tail == kBlockSize) {
    // Whole blocks: CBC, then C(m-1) and C(m) swapped.
    APX_TRY(cbc_stream(key, cur, n));
    return swap_blocks(key.direction(), cursor_at(iov, n - 2 * kBlockSize), state);
  }
  const size_t full = n - tail;  // P(1) .. P(m-1)
  APX_TRY(cbc_stream(key, cur, full));
  Scratch<2 * kBlockSize> t;  // C(m-1) | P(m) | zeros  ->  C(m-1) | C(m)
  IovCursor at = cursor_at(iov, full - kBlockSize);
  IovCursor r = at;
  if (r.read(std::span(t.bytes).first(kBlockSize + tail)) != kBlockSize + tail)
    return Status::failure(Minor::kInternal);
  // The context chains from C(m-1), so this is C(m) = E(P(m) | zeros ^ C(m-1)).
  APX_TRY(key.update(std::span(t.bytes).last<kBlockSize>()));
  Scratch<2 * kBlockSize> out;  // C(m) | first `tail` bytes of C(m-1)
  std::copy_n(t.bytes.begin() + kBlockSize, kBlockSize, out.bytes.begin());
  std::copy_n(t.bytes.begin(), tail, out.bytes.begin() + kBlockSize);
  at.write(std::span(out.bytes).first(kBlockSize + tail));
  std::copy_n(out.bytes.begin(), kBlockSize, state.begin());
  return Status::complete();
}

Status cts_decrypt(CbcKey& key, std::span<const CryptoIov> iov,
                   std::span<uint8_t, kBlockSize> state) {
  APX_TRY_ASSIGN(const size_t n, begin(key, CbcKey::Direction::decrypt, iov, state));
  IovCursor cur(iov, is_encrypted);
  if (n == kBlockSize) return one_block(key, cur, state);

  const size_t tail = last_block_size(n);
  if (tail == kBlockSize) {
    // Whole blocks: swap the last two back into CBC order, then one CBC pass.
    APX_TRY(swap_blocks(key.direction(), cursor_at(iov, n - 2 * kBlockSize), state));
    return cbc_stream(key, cur, n);
  }

  // The stream ends with X = C(m) (a full block) and Y = the first `tail` bytes of C(m-1),
  // after C(1) .. C(m-2). One CBC pass runs over C(1) .. C(m-2) and X; X's output is then
  // D(X) ^ C(m-2), where D(X) = C(m-1) ^ (P(m) | zeros).
  const size_t full = n - tail;
  Block prev{};  // C(m-2), or the IV when there is none
  if (full > kBlockSize) {
    IovCursor p = cursor_at(iov, full - 2 * kBlockSize);
    if (p.read(prev) != kBlockSize) return Status::failure(Minor::kInternal);
  } else {
    std::copy(state.begin(), state.end(), prev.begin());
  }
  IovCursor at = cursor_at(iov, full - kBlockSize);
  Scratch<2 * kBlockSize> t;  // X | Y
  IovCursor r = at;
  if (r.read(std::span(t.bytes).first(kBlockSize + tail)) != kBlockSize + tail)
    return Status::failure(Minor::kInternal);
  const Block x = [&] {
    Block b{};
    std::copy_n(t.bytes.begin(), kBlockSize, b.begin());
    return b;
  }();
  const std::span<const uint8_t> y = std::span(t.bytes).subspan(kBlockSize, tail);
  APX_TRY(cbc_stream(key, cur, full));

  Scratch<kBlockSize> d;  // D(X)
  r = at;
  if (r.read(d.bytes) != kBlockSize) return Status::failure(Minor::kInternal);
  xor_into(d.bytes, prev);
  // C(m-1) = Y | the bytes of D past `tail`; P(m) = first `tail` bytes of D ^ Y.
  Scratch<kBlockSize> c;
  std::copy(y.begin(), y.end(), c.bytes.begin());
  std::copy(d.bytes.begin() + static_cast<std::ptrdiff_t>(tail), d.bytes.end(),
            c.bytes.begin() + static_cast<std::ptrdiff_t>(tail));
  Scratch<2 * kBlockSize> out;
  for (size_t i = 0; i < tail; ++i) out.bytes[kBlockSize + i] = d.bytes[i] ^ y[i];
  // P(m-1) = Dec(C(m-1)) ^ C(m-2); the context now chains with X: undo that instead.
  APX_TRY(key.update(c.bytes));
  xor_into(c.bytes, x);
  xor_into(c.bytes, prev);
  std::copy(c.bytes.begin(), c.bytes.end(), out.bytes.begin());
  at.write(std::span(out.bytes).first(kBlockSize + tail));
  std::copy(x.begin(), x.end(), state.begin());
  return Status::complete();
}

}  // namespace apx::crypto
