// Confounders are never handed out twice: not across many messages of one key, and not
// by a forked child, which must not reuse the random bytes its parent had left in its pool
// (parent and child would then send identical confounders under the same key) — also when
// the child was made by a raw clone system call that runs no pthread_atfork handler.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crypto/confounder_pool.h"
#include "crypto/usage_keys.h"
#include "iov_util.h"

namespace apx::test {
namespace {

using crypto::ConfounderPool;
using crypto::CryptoIov;
using crypto::IovKind;
using Block = std::array<uint8_t, 16>;

constexpr int kDraws = 10000;
constexpr size_t kPerPool = ConfounderPool::kCapacity / sizeof(Block);

enum class Fork { kLibc, kRawClone };

// A child made straight by the kernel, as a program calling syscall(SYS_clone) or
// syscall(SYS_fork) makes it: glibc's fork, and so every pthread_atfork handler, is skipped.
// With no flags but the exit signal and no new stack, clone is fork (every architecture).
pid_t raw_clone() {
  return static_cast<pid_t>(syscall(SYS_clone, static_cast<long>(SIGCHLD), 0L, 0L, 0L, 0L));
}

// Runs `draw` once in a forked child and returns what it produced; nullopt (and a test
// failure) when the child could not report. The child leaves with _exit so nothing of the
// test framework runs twice.
template <typename Draw>
std::optional<Block> draw_in_child(Draw draw, Fork how = Fork::kLibc) {
  int fds[2];
  if (pipe(fds) != 0) {
    ADD_FAILURE() << "pipe";
    return std::nullopt;
  }
  const pid_t pid = how == Fork::kLibc ? fork() : raw_clone();
  if (pid < 0) {
    ADD_FAILURE() << "fork";
    return std::nullopt;
  }
  if (pid == 0) {
    close(fds[0]);
    std::optional<Block> b = draw();
    const bool sent = b && write(fds[1], b->data(), b->size()) == static_cast<ssize_t>(b->size());
    _exit(sent ? 0 : 1);
  }
  close(fds[1]);
  Block b{};
  const ssize_t got = read(fds[0], b.data(), b.size());
  close(fds[0]);
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed";
  if (got != static_cast<ssize_t>(b.size())) {
    ADD_FAILURE() << "child sent " << got << " bytes";
    return std::nullopt;
  }
  return b;
}

std::optional<Block> pool_draw(ConfounderPool& pool) {
  Block b{};
  if (!pool.draw(b).ok()) return std::nullopt;
  return b;
}

TEST(ConfounderPool, DrawsNeverRepeat) {
  ConfounderPool pool;
  std::set<Block> seen;
  for (int i = 0; i < kDraws; ++i) {
    std::optional<Block> b = pool_draw(pool);
    ASSERT_TRUE(b.has_value());
    EXPECT_TRUE(seen.insert(*b).second) << "draw " << i;
  }
}

// One draw of n octets, checked. The draws are remembered as strings: GCC 12 at -O3 warns
// (stringop-overread) about the three-way comparison of byte vectors in a std::set.
void draw_and_check(ConfounderPool& pool, size_t n, std::set<std::string>& seen) {
  std::vector<uint8_t> out(n, 0);
  ASSERT_TRUE(pool.draw(out).ok()) << n;
  if (n < 8) return;
  EXPECT_TRUE(seen.insert(std::string(out.begin(), out.end())).second) << n;
  EXPECT_TRUE(std::any_of(out.begin(), out.end(), [](uint8_t b) { return b != 0; })) << n;
}

TEST(ConfounderPool, OddAndOversizedDraws) {
  ConfounderPool pool;
  std::set<std::string> seen;
  for (size_t n : {size_t{1}, size_t{15}, size_t{17}, size_t{4000}, ConfounderPool::kCapacity,
                   ConfounderPool::kCapacity + 1, size_t{3 * 4096 + 5}, size_t{0}, size_t{16}})
    draw_and_check(pool, n, seen);
}

TEST(ConfounderPool, ForkedChildNeverReusesParentBytes) {
  ConfounderPool pool;
  ASSERT_TRUE(pool_draw(pool).has_value());  // the pool now holds kPerPool - 1 unused blocks
  const std::optional<Block> child = draw_in_child([&] { return pool_draw(pool); });
  ASSERT_TRUE(child.has_value());
  // Without the fork check the child would have drawn exactly the parent's next block;
  // compare with everything the parent had left, and a refill beyond.
  for (size_t i = 0; i < kPerPool + 1; ++i) {
    std::optional<Block> b = pool_draw(pool);
    ASSERT_TRUE(b.has_value());
    EXPECT_NE(*b, *child) << "parent draw " << i;
  }
}

// Finding 7 of the independent review: a child made by a raw clone runs no atfork handler,
// so only the wiped page tells it the parent's bytes are not its own.
TEST(ConfounderPool, RawCloneChildNeverReusesParentBytes) {
  ConfounderPool pool;
  ASSERT_TRUE(pool.pooled()) << "no MADV_WIPEONFORK page: the pool would not be tested";
  ASSERT_TRUE(pool_draw(pool).has_value());  // filled: kPerPool - 1 unused blocks left
  const std::optional<Block> child = draw_in_child([&] { return pool_draw(pool); },
                                                   Fork::kRawClone);
  ASSERT_TRUE(child.has_value());
  // Before the fix the child drew exactly the parent's next block.
  for (size_t i = 0; i < kPerPool + 1; ++i) {
    std::optional<Block> b = pool_draw(pool);
    ASSERT_TRUE(b.has_value());
    EXPECT_NE(*b, *child) << "parent draw " << i;
  }
}

// Two raw-cloned children of one filled pool: each refills on its own, and OpenSSL's DRBG
// (reseeding on a changed getpid) must give them different bytes too.
TEST(ConfounderPool, RawCloneSiblingsDiffer) {
  ConfounderPool pool;
  ASSERT_TRUE(pool_draw(pool).has_value());
  const std::optional<Block> a = draw_in_child([&] { return pool_draw(pool); }, Fork::kRawClone);
  const std::optional<Block> b = draw_in_child([&] { return pool_draw(pool); }, Fork::kRawClone);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(*a, *b);
}

TEST(ConfounderPool, MovedPoolKeepsItsPage) {
  ConfounderPool a;
  ASSERT_TRUE(pool_draw(a).has_value());
  ConfounderPool b(std::move(a));
  EXPECT_TRUE(b.pooled());
  EXPECT_FALSE(a.pooled());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  std::set<Block> seen;
  for (ConfounderPool* p : {&a, &b, &a, &b}) {
    std::optional<Block> x = pool_draw(*p);
    ASSERT_TRUE(x.has_value());
    EXPECT_TRUE(seen.insert(*x).second);
  }
}

// The same through UsageKeys: a message with no data encrypts just the confounder, with a
// zero cipher state, so two headers are equal exactly when their confounders are.
class Confounders : public ::testing::TestWithParam<int32_t> {
 protected:
  void SetUp() override {
    p_ = crypto::find_profile(GetParam());
    ASSERT_NE(p_, nullptr);
    std::mt19937 rng(static_cast<uint32_t>(GetParam()));
    auto k = crypto::UsageKeys::derive(*p_, random_bytes(rng, p_->key_size), 24);
    ASSERT_TRUE(k.has_value());
    keys_.emplace(std::move(*k));
  }

  std::optional<Block> encrypted_confounder() {
    Block header{};
    std::vector<uint8_t> trailer(p_->checksum_size);
    const CryptoIov iov[] = {{IovKind::header, header}, {IovKind::trailer, trailer}};
    if (!keys_->encrypt_iov(iov).ok()) return std::nullopt;
    return header;
  }

  const crypto::Profile* p_ = nullptr;
  std::optional<crypto::UsageKeys> keys_;
};

TEST_P(Confounders, DifferAcrossMessages) {
  ASSERT_EQ(p_->confounder_size, sizeof(Block));
  std::set<Block> seen;
  for (int i = 0; i < kDraws; ++i) {
    std::optional<Block> b = encrypted_confounder();
    ASSERT_TRUE(b.has_value());
    EXPECT_TRUE(seen.insert(*b).second) << "message " << i;
  }
}

TEST_P(Confounders, DifferAcrossFork) {
  ASSERT_TRUE(encrypted_confounder().has_value());
  const std::optional<Block> child = draw_in_child([&] { return encrypted_confounder(); });
  ASSERT_TRUE(child.has_value());
  for (size_t i = 0; i < kPerPool + 1; ++i) {
    std::optional<Block> b = encrypted_confounder();
    ASSERT_TRUE(b.has_value());
    EXPECT_NE(*b, *child) << "parent message " << i;
  }
}

// A conf=1 message in a raw-cloned child and the parent's next ones: different confounders.
TEST_P(Confounders, DifferAcrossRawClone) {
  ASSERT_TRUE(encrypted_confounder().has_value());
  const std::optional<Block> child =
      draw_in_child([&] { return encrypted_confounder(); }, Fork::kRawClone);
  ASSERT_TRUE(child.has_value());
  for (size_t i = 0; i < kPerPool + 1; ++i) {
    std::optional<Block> b = encrypted_confounder();
    ASSERT_TRUE(b.has_value());
    EXPECT_NE(*b, *child) << "parent message " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(AllEnctypes, Confounders, ::testing::Values(17, 18, 19, 20, 25, 26),
                         [](const testing::TestParamInfo<int32_t>& i) {
                           return "enctype" + std::to_string(i.param);
                         });

}  // namespace
}  // namespace apx::test
