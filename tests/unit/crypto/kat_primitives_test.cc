// n-fold (RFC 3961 §5.1) and CBC-CTS (RFC 3962 §5) known answers.
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>

#include "crypto/cbc_key.h"
#include "crypto/cts.h"
#include "crypto/nfold.h"
#include "iov_util.h"
#include "vector_file.h"

namespace apx::test {
namespace {

using crypto::CbcKey;
using crypto::CryptoIov;
using crypto::IovKind;
using State = std::array<uint8_t, crypto::kBlockSize>;

TEST(Nfold, KnownAnswers) {
  VectorFile f("nfold.txt", 26);
  for (Record& r : f.records()) {
    SCOPED_TRACE(r.where());
    const std::vector<uint8_t> in = r.hex("Input");
    const uint32_t bits = r.num("NBits");
    ASSERT_EQ(bits % 8, 0U);
    std::vector<uint8_t> out(bits / 8);
    crypto::nfold(in, out);
    EXPECT_EQ(to_hex(out), to_hex(r.hex("Output")));
  }
}

const char* cbc_cipher_name(const std::string& cipher) {
  if (cipher == "aes128") return "AES-128-CBC";
  if (cipher == "aes256") return "AES-256-CBC";
  if (cipher == "camellia128") return "CAMELLIA-128-CBC";
  if (cipher == "camellia256") return "CAMELLIA-256-CBC";
  ADD_FAILURE() << "unknown cipher " << cipher;
  return "";
}

// Runs CTS over `in` cut into pieces, with untouched sign_only buffers between them;
// returns the output and checks the sign_only bytes were left alone.
std::vector<uint8_t> cts_split(CbcKey& key, const std::vector<uint8_t>& in, State& state,
                               std::mt19937& rng) {
  std::vector<Segment> segs;
  for (Segment& s : split(IovKind::data, in, rng, 8)) {
    if (rng() % 3 == 0) segs.push_back({IovKind::sign_only, {0xEE, 0xEE, 0xEE}});
    segs.push_back(std::move(s));
  }
  std::vector<CryptoIov> iov = iov_of(segs);
  const bool enc = key.direction() == CbcKey::Direction::encrypt;
  EXPECT_TRUE((enc ? crypto::cts_encrypt(key, iov, state) : crypto::cts_decrypt(key, iov, state)).ok());
  for (const Segment& s : segs)
    if (s.kind == IovKind::sign_only) {
      EXPECT_EQ(to_hex(s.bytes), "eeeeee");
    }
  return concat(segs, is_data);
}

TEST(Cts, KnownAnswersAtEverySplit) {
  VectorFile f("aes_cts.txt", 38);
  std::mt19937 rng(3962);
  for (Record& r : f.records()) {
    SCOPED_TRACE(r.where());
    const char* cipher = cbc_cipher_name(r.text("Cipher"));
    const std::vector<uint8_t> key = r.hex("Key");
    const std::vector<uint8_t> iv = r.hex("IV");
    const std::vector<uint8_t> input = r.hex("Input");
    const std::vector<uint8_t> output = r.hex("Output");
    const std::vector<uint8_t> next_iv = r.hex("NextIV");
    ASSERT_EQ(iv.size(), crypto::kBlockSize);
    auto enc = CbcKey::create(cipher, key, CbcKey::Direction::encrypt);
    auto dec = CbcKey::create(cipher, key, CbcKey::Direction::decrypt);
    ASSERT_TRUE(enc.has_value() && dec.has_value());
    // The same keys serve many messages: each run starts from the record's IV.
    for (int round = 0; round < 12; ++round) {
      State state{};
      std::copy(iv.begin(), iv.end(), state.begin());
      EXPECT_EQ(to_hex(cts_split(*enc, input, state, rng)), to_hex(output));
      EXPECT_EQ(to_hex(std::vector<uint8_t>(state.begin(), state.end())), to_hex(next_iv));
      std::copy(iv.begin(), iv.end(), state.begin());
      EXPECT_EQ(to_hex(cts_split(*dec, output, state, rng)), to_hex(input));
      EXPECT_EQ(to_hex(std::vector<uint8_t>(state.begin(), state.end())), to_hex(next_iv));
    }
  }
}

// The same with every piece a view into one buffer, so neighbouring pieces are adjacent
// in memory (as in a token) and the cipher runs over several at once; a sign_only island
// inside that buffer must still be skipped, not encrypted.
std::vector<uint8_t> cts_one_buffer(CbcKey& key, const std::vector<uint8_t>& in, State& state,
                                    std::mt19937& rng) {
  const size_t island = rng() % (in.size() + 1);
  std::vector<uint8_t> buf(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(island));
  buf.insert(buf.end(), {0xEE, 0xEE, 0xEE});
  buf.insert(buf.end(), in.begin() + static_cast<std::ptrdiff_t>(island), in.end());
  std::vector<CryptoIov> iov;
  const std::span<uint8_t> all(buf);
  for (size_t at = 0; at < buf.size();) {
    if (at == island) {
      iov.push_back({IovKind::sign_only, all.subspan(at, 3)});
      at += 3;
      continue;
    }
    const size_t end = at < island ? island : buf.size();
    const size_t n = std::min(end - at, static_cast<size_t>(rng() % 40));
    iov.push_back({IovKind::data, all.subspan(at, n)});
    at += n;
  }
  const bool enc = key.direction() == CbcKey::Direction::encrypt;
  EXPECT_TRUE((enc ? crypto::cts_encrypt(key, iov, state) : crypto::cts_decrypt(key, iov, state)).ok());
  EXPECT_EQ(to_hex(std::vector<uint8_t>(buf.begin() + static_cast<std::ptrdiff_t>(island),
                                        buf.begin() + static_cast<std::ptrdiff_t>(island) + 3)),
            "eeeeee");
  buf.erase(buf.begin() + static_cast<std::ptrdiff_t>(island),
            buf.begin() + static_cast<std::ptrdiff_t>(island) + 3);
  return buf;
}

TEST(Cts, KnownAnswersOverOneBuffer) {
  VectorFile f("aes_cts.txt", 38);
  std::mt19937 rng(3963);
  for (Record& r : f.records()) {
    SCOPED_TRACE(r.where());
    const char* cipher = cbc_cipher_name(r.text("Cipher"));
    const std::vector<uint8_t> key = r.hex("Key");
    const std::vector<uint8_t> iv = r.hex("IV");
    const std::vector<uint8_t> input = r.hex("Input");
    const std::vector<uint8_t> output = r.hex("Output");
    const std::vector<uint8_t> next_iv = r.hex("NextIV");
    auto enc = CbcKey::create(cipher, key, CbcKey::Direction::encrypt);
    auto dec = CbcKey::create(cipher, key, CbcKey::Direction::decrypt);
    ASSERT_TRUE(enc.has_value() && dec.has_value());
    for (int round = 0; round < 12; ++round) {
      State state{};
      std::copy(iv.begin(), iv.end(), state.begin());
      EXPECT_EQ(to_hex(cts_one_buffer(*enc, input, state, rng)), to_hex(output));
      EXPECT_EQ(to_hex(std::vector<uint8_t>(state.begin(), state.end())), to_hex(next_iv));
      std::copy(iv.begin(), iv.end(), state.begin());
      EXPECT_EQ(to_hex(cts_one_buffer(*dec, output, state, rng)), to_hex(input));
      EXPECT_EQ(to_hex(std::vector<uint8_t>(state.begin(), state.end())), to_hex(next_iv));
    }
  }
}

TEST(Cts, ShorterThanOneBlockIsRefused) {
  const std::vector<uint8_t> key(16, 7);
  auto enc = CbcKey::create("AES-128-CBC", key, CbcKey::Direction::encrypt);
  auto dec = CbcKey::create("AES-128-CBC", key, CbcKey::Direction::decrypt);
  ASSERT_TRUE(enc.has_value() && dec.has_value());
  for (size_t n = 0; n < crypto::kBlockSize; ++n) {
    std::vector<uint8_t> buf(n, 1);
    const CryptoIov iov[] = {{IovKind::data, std::span<uint8_t>(buf)}};
    State state{};
    EXPECT_FALSE(crypto::cts_encrypt(*enc, iov, state).ok());
    EXPECT_FALSE(crypto::cts_decrypt(*dec, iov, state).ok());
    EXPECT_EQ(buf, std::vector<uint8_t>(n, 1));
  }
  // A key of the wrong direction is refused rather than misused.
  std::vector<uint8_t> buf(32, 1);
  const CryptoIov iov[] = {{IovKind::data, std::span<uint8_t>(buf)}};
  State state{};
  EXPECT_FALSE(crypto::cts_encrypt(*dec, iov, state).ok());
  EXPECT_FALSE(crypto::cts_decrypt(*enc, iov, state).ok());
}

}  // namespace
}  // namespace apx::test
