#include "crypto/cts.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>

#include "crypto/iov_cursor.h"

namespace apx::crypto {
namespace {

using base::Minor;
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

}  // namespace

Status cts_encrypt(CbcKey& key, std::span<const CryptoIov> iov,
                   std::span<uint8_t, kBlockSize> state) {
  if (key.direction() != CbcKey::Direction::encrypt) return Status::failure(Minor::kInternal);
  const size_t n = iov_stream_size(iov, is_encrypted);
  if (n < kBlockSize) return Status::failure(Minor::kMsgIovInvalid);
  APX_TRY(key.reset(state));
  IovCursor cur(iov, is_encrypted);
  if (n == kBlockSize) return one_block(key, cur, state);

  // RFC 3962 §5: CBC over the plaintext padded with zeros to whole blocks, then the last
  // two ciphertext blocks swapped and the (new) last one cut to the length of the last
  // plaintext block.
  const size_t tail = last_block_size(n);
  APX_TRY(cbc_stream(key, cur, n - kBlockSize - tail));
  Scratch<2 * kBlockSize> t;  // P(m-1) | P(m) | zeros  ->  C(m-1) | C(m)
  IovCursor at = cur;
  if (cur.read(std::span(t.bytes).first(kBlockSize + tail)) != kBlockSize + tail)
    return Status::failure(Minor::kInternal);
  APX_TRY(key.update(t.bytes));
  Scratch<2 * kBlockSize> out;  // C(m) | first `tail` bytes of C(m-1)
  std::copy_n(t.bytes.begin() + kBlockSize, kBlockSize, out.bytes.begin());
  std::copy_n(t.bytes.begin(), tail, out.bytes.begin() + kBlockSize);
  at.write(std::span(out.bytes).first(kBlockSize + tail));
  std::copy_n(out.bytes.begin(), kBlockSize, state.begin());
  return Status::complete();
}

Status cts_decrypt(CbcKey& key, std::span<const CryptoIov> iov,
                   std::span<uint8_t, kBlockSize> state) {
  if (key.direction() != CbcKey::Direction::decrypt) return Status::failure(Minor::kInternal);
  const size_t n = iov_stream_size(iov, is_encrypted);
  if (n < kBlockSize) return Status::failure(Minor::kMsgIovInvalid);
  APX_TRY(key.reset(state));
  IovCursor cur(iov, is_encrypted);
  if (n == kBlockSize) return one_block(key, cur, state);

  const size_t tail = last_block_size(n);
  APX_TRY(cbc_stream(key, cur, n - kBlockSize - tail));
  Block prev{};  // C(m-2): the ciphertext block before the stolen pair (or the IV)
  key.chain(prev);

  // The stream ends with X = C(m) (a full block) and Y = the first `tail` bytes of C(m-1).
  Scratch<2 * kBlockSize> t;
  IovCursor at = cur;
  if (cur.read(std::span(t.bytes).first(kBlockSize + tail)) != kBlockSize + tail)
    return Status::failure(Minor::kInternal);
  const Block x = [&] {
    Block b{};
    std::copy_n(t.bytes.begin(), kBlockSize, b.begin());
    return b;
  }();
  const std::span<const uint8_t> y = std::span(t.bytes).subspan(kBlockSize, tail);

  // D = Dec(X) = C(m-1) ^ (P(m) | zeros). The context chains with C(m-2): undo it.
  Scratch<kBlockSize> d;
  d.bytes = x;
  APX_TRY(key.update(d.bytes));
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
