// The per-message calls of UsageKeys allocate nothing once warmed up: the binary replaces
// malloc and friends with counting forwarders (alloc_hook.c), which libcrypto's
// CRYPTO_malloc and libstdc++'s operator new both end in.
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <array>
#include <random>
#include <vector>

#include "alloc_hook.h"
#include "crypto/confounder_pool.h"
#include "crypto/usage_keys.h"
#include "iov_util.h"

namespace apx::test {
namespace {

using crypto::CryptoIov;
using crypto::IovKind;

void* volatile g_sink;

TEST(AllocationHook, SeesOpensslAndOperatorNew) {
  apx_alloc_count_start();
  g_sink = OPENSSL_malloc(32);
  EXPECT_EQ(apx_alloc_count_stop(), 1);
  OPENSSL_free(g_sink);
  apx_alloc_count_start();
  g_sink = ::operator new(64);
  EXPECT_EQ(apx_alloc_count_stop(), 1);
  ::operator delete(g_sink);
  // Deriving keys fetches algorithms and makes contexts: the hook must see that.
  const crypto::Profile* p = crypto::find_profile(18);
  ASSERT_NE(p, nullptr);
  const std::vector<uint8_t> key(p->key_size, 1);
  apx_alloc_count_start();
  const bool derived = crypto::UsageKeys::derive(*p, key, 22).has_value();
  EXPECT_GT(apx_alloc_count_stop(), 10);
  EXPECT_TRUE(derived);
}

// One enctype's message calls, all results recorded without allocating.
struct Round {
  const crypto::UsageKeys& keys;
  std::vector<Segment>& msg;       // header | data/sign_only pieces | trailer
  std::vector<CryptoIov>& iov;
  std::vector<Segment>& saved;     // same shapes: the ciphertext for the tamper check
  std::vector<Segment>& mic;       // data/sign_only pieces | trailer
  std::vector<CryptoIov>& mic_iov;

  int failures = 0;

  void expect(bool ok) { failures += ok ? 0 : 1; }

  void run() {
    expect(keys.encrypt_iov(iov).ok());
    for (size_t i = 0; i < msg.size(); ++i)
      std::copy(msg[i].bytes.begin(), msg[i].bytes.end(), saved[i].bytes.begin());
    expect(keys.decrypt_iov(iov).ok());
    // Tampered: restore the ciphertext, flip one bit of the last piece, expect bad_mic.
    for (size_t i = 0; i < msg.size(); ++i)
      std::copy(saved[i].bytes.begin(), saved[i].bytes.end(), msg[i].bytes.begin());
    msg.back().bytes[0] ^= 1;
    expect(keys.decrypt_iov(iov).major() == GSS_S_BAD_SIG);
    expect(keys.make_checksum_iov(mic_iov).ok());
    expect(keys.verify_checksum_iov(mic_iov).ok());
    mic.back().bytes[0] ^= 0x80;
    expect(keys.verify_checksum_iov(mic_iov).major() == GSS_S_BAD_SIG);
  }
};

class Allocation : public ::testing::TestWithParam<int32_t> {};

TEST_P(Allocation, PerMessageCallsAllocateNothing) {
  const crypto::Profile* p = crypto::find_profile(GetParam());
  ASSERT_NE(p, nullptr);
  std::mt19937 rng(static_cast<uint32_t>(GetParam()));
  auto keys = crypto::UsageKeys::derive(*p, random_bytes(rng, p->key_size), 24);
  ASSERT_TRUE(keys.has_value());

  for (size_t length : {0, 1, 15, 16, 17, 100, 5000, 70000}) {
    SCOPED_TRACE(testing::Message() << "length " << length);
    std::vector<Segment> msg = {{IovKind::header, std::vector<uint8_t>(p->confounder_size)}};
    for (Segment& s : split(IovKind::data, random_bytes(rng, length), rng, 6)) {
      if (rng() % 4 == 0) s.kind = IovKind::sign_only;
      msg.push_back(std::move(s));
    }
    msg.push_back({IovKind::trailer, std::vector<uint8_t>(p->checksum_size)});
    std::vector<Segment> saved = msg;
    std::vector<CryptoIov> iov = iov_of(msg);
    std::vector<Segment> mic(msg.begin() + 1, msg.end());
    std::vector<CryptoIov> mic_iov = iov_of(mic);
    Round round{*keys, msg, iov, saved, mic, mic_iov};

    for (int i = 0; i < 3; ++i) round.run();  // warm-up: DRBG instantiation, lazy init
    ASSERT_EQ(round.failures, 0);
    apx_alloc_count_start();
    for (int i = 0; i < 20; ++i) round.run();
    const long allocations = apx_alloc_count_stop();
    EXPECT_EQ(round.failures, 0);
    EXPECT_EQ(allocations, 0);
  }
}

// The rounds above draw fewer confounders than a pool holds; refills must not allocate
// either.
TEST_P(Allocation, ConfounderRefillsAllocateNothing) {
  const crypto::Profile* p = crypto::find_profile(GetParam());
  ASSERT_NE(p, nullptr);
  std::mt19937 rng(static_cast<uint32_t>(GetParam()));
  auto keys = crypto::UsageKeys::derive(*p, random_bytes(rng, p->key_size), 22);
  ASSERT_TRUE(keys.has_value());
  std::vector<uint8_t> header(p->confounder_size);
  std::vector<uint8_t> data = random_bytes(rng, 40);
  std::vector<uint8_t> trailer(p->checksum_size);
  const CryptoIov iov[] = {
      {IovKind::header, header}, {IovKind::data, data}, {IovKind::trailer, trailer}};
  int failures = 0;
  for (int i = 0; i < 3; ++i) failures += keys->encrypt_iov(iov).ok() ? 0 : 1;
  const size_t messages = 3 * crypto::ConfounderPool::kCapacity / p->confounder_size;
  apx_alloc_count_start();
  for (size_t i = 0; i < messages; ++i) failures += keys->encrypt_iov(iov).ok() ? 0 : 1;
  const long allocations = apx_alloc_count_stop();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(allocations, 0);
}

INSTANTIATE_TEST_SUITE_P(AllEnctypes, Allocation, ::testing::Values(17, 18, 19, 20, 25, 26),
                         [](const testing::TestParamInfo<int32_t>& i) {
                           return "enctype" + std::to_string(i.param);
                         });

}  // namespace
}  // namespace apx::test
