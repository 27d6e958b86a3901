// core::SeqWindow against the rules of MIT krb5 1.20's g_seqstate_check
// (src/lib/gssapi/generic/util_seqstate.c). Names used in the comments:
//   rel       = (seq - initial) & mask         (mask 2^64-1, or 2^32-1 when not wide)
//   next      = one past the highest rel received (0 at first)
//   [AHEAD]   rel >= next: recorded as the new highest; GAP if rel > next and sequencing
//             is on, else COMPLETE.
//   [TOO_OLD] next - rel > 64: UNSEQ with sequencing, else OLD; nothing recorded.
//   [REPLAY]  in the window and already seen, with replay detection on: DUPLICATE.
//   [LATE]    in the window otherwise: recorded; UNSEQ with sequencing, else COMPLETE.
//   [OFF]     neither flag: COMPLETE, nothing recorded.
#include "core/seq_window.h"

#include <gssapi/gssapi.h>
#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <vector>

namespace apx::core {
namespace {

constexpr OM_uint32 kOk = GSS_S_COMPLETE;
constexpr OM_uint32 kDup = GSS_S_DUPLICATE_TOKEN;
constexpr OM_uint32 kOld = GSS_S_OLD_TOKEN;
constexpr OM_uint32 kUnseq = GSS_S_UNSEQ_TOKEN;
constexpr OM_uint32 kGap = GSS_S_GAP_TOKEN;

struct Step {
  uint64_t seq;
  OM_uint32 expected;
};

void run(SeqWindow& w, const std::vector<Step>& steps) {
  for (size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i) + " seq " + std::to_string(steps[i].seq));
    EXPECT_EQ(w.check(steps[i].seq), steps[i].expected);
  }
}

constexpr uint64_t kBase = 1000;

static_assert(std::is_trivially_copyable_v<SeqWindow>, "a small value type");
static_assert(sizeof(SeqWindow) <= 40);

// ---- In order ----

TEST(SeqWindow, InOrderIsCompleteWithEveryFlagCombination) {
  for (bool replay : {false, true}) {
    for (bool sequence : {false, true}) {
      SeqWindow w(kBase, replay, sequence);
      for (uint64_t i = 0; i < 200; ++i) EXPECT_EQ(w.check(kBase + i), kOk);  // [AHEAD]
    }
  }
}

// ---- Neither flag ----

TEST(SeqWindow, NeitherFlagReportsNothing) {
  SeqWindow w(kBase, false, false);
  run(w, {{kBase, kOk},
          {kBase, kOk},          // [OFF] a duplicate passes
          {kBase + 10, kOk},     // [OFF] a gap passes
          {kBase + 5, kOk},      // [OFF] late passes
          {kBase - 500, kOk},    // [OFF]
          {kBase + 10, kOk}});   // [OFF]
  EXPECT_EQ(w.next_relative(), 0u);  // [OFF] nothing recorded
  EXPECT_EQ(w.received_map(), 0u);
}

// ---- Replay detection only ----

TEST(SeqWindow, ReplayOnly) {
  SeqWindow w(kBase, true, false);
  run(w, {{kBase, kOk},
          {kBase + 1, kOk},
          {kBase + 1, kDup},     // [REPLAY] the highest again
          {kBase, kDup},         // [REPLAY]
          {kBase + 5, kOk},      // [AHEAD] a gap is not reported without sequencing
          {kBase + 3, kOk},      // [LATE] out of order but new: COMPLETE
          {kBase + 3, kDup},     // [REPLAY]
          {kBase + 2, kOk},      // [LATE]
          {kBase + 4, kOk},      // [LATE]
          {kBase + 4, kDup}});   // [REPLAY]
}

TEST(SeqWindow, ReplayOnlyTooOldIsOld) {
  SeqWindow w(kBase, true, false);
  for (uint64_t i = 0; i <= 100; ++i) ASSERT_EQ(w.check(kBase + i), kOk);
  // next = 101. rel 37 is 64 behind (the oldest in the window); rel 36 is 65 behind.
  run(w, {{kBase + 37, kDup},    // [REPLAY] still remembered
          {kBase + 36, kOld},    // [TOO_OLD] without sequencing
          {kBase + 36, kOld},    // [TOO_OLD] not recorded, so OLD again, never DUPLICATE
          {kBase, kOld}});
}

// ---- Sequence detection only ----

TEST(SeqWindow, SequenceOnly) {
  SeqWindow w(kBase, false, true);
  run(w, {{kBase, kOk},
          {kBase + 1, kOk},
          {kBase + 1, kUnseq},   // [LATE] a repeat is only out of sequence without replay
          {kBase + 4, kGap},     // [AHEAD] skipped 2 and 3
          {kBase + 5, kOk},
          {kBase + 2, kUnseq},   // [LATE]
          {kBase + 2, kUnseq},   // [LATE] no DUPLICATE without replay detection
          {kBase + 6, kOk}});    // the skipped 3 does not matter any more
}

TEST(SeqWindow, SequenceOnlyTooOldIsUnseq) {
  SeqWindow w(kBase, false, true);
  for (uint64_t i = 0; i <= 100; ++i) ASSERT_EQ(w.check(kBase + i), kOk);
  run(w, {{kBase + 37, kUnseq},  // [LATE]
          {kBase + 36, kUnseq},  // [TOO_OLD] with sequencing: UNSEQ, not OLD
          {kBase, kUnseq}});
}

// ---- Both ----

TEST(SeqWindow, Both) {
  SeqWindow w(kBase, true, true);
  run(w, {{kBase, kOk},
          {kBase, kDup},         // [REPLAY] wins over out-of-sequence
          {kBase + 3, kGap},     // [AHEAD]
          {kBase + 1, kUnseq},   // [LATE]
          {kBase + 1, kDup},     // [REPLAY]
          {kBase + 2, kUnseq},   // [LATE]
          {kBase + 3, kDup},     // [REPLAY] the highest again
          {kBase + 4, kOk}});
}

TEST(SeqWindow, BothTooOldIsUnseq) {
  SeqWindow w(kBase, true, true);
  for (uint64_t i = 0; i <= 100; ++i) ASSERT_EQ(w.check(kBase + i), kOk);
  run(w, {{kBase + 37, kDup},    // [REPLAY] at the far edge of the window
          {kBase + 36, kUnseq},  // [TOO_OLD] with sequencing: UNSEQ even though replayed
          {kBase + 100, kDup}});
}

// ---- Gaps and the window edge ----

TEST(SeqWindow, FirstTokenAfterTheInitialNumberIsAGap) {
  SeqWindow w(kBase, true, true);
  run(w, {{kBase + 2, kGap},     // [AHEAD] next was 0
          {kBase, kUnseq},       // [LATE]
          {kBase + 1, kUnseq},
          {kBase + 3, kOk}});
}

TEST(SeqWindow, GapIsAcceptedAsTheNewBase) {
  SeqWindow w(kBase, true, true);
  run(w, {{kBase, kOk},
          {kBase + 1000, kGap},  // [AHEAD] far ahead: becomes the highest
          {kBase + 1001, kOk},   // in order from there
          {kBase + 500, kUnseq}, // [TOO_OLD] the skipped range is now old
          {kBase + 1, kUnseq}});
  EXPECT_EQ(w.next_relative(), 1002u);
}

TEST(SeqWindow, WindowHoldsExactly64) {
  SeqWindow w(0, true, true);
  run(w, {{64, kGap}});          // [AHEAD] next = 65
  for (uint64_t s = 1; s < 64; ++s) {
    SCOPED_TRACE(s);
    EXPECT_EQ(w.check(s), kUnseq);  // [LATE] 64 - s + 1 behind: inside
  }
  run(w, {{0, kUnseq},           // [TOO_OLD] 65 behind
          {1, kDup},             // [REPLAY] 64 behind: the oldest remembered
          {63, kDup},
          {64, kDup}});
}

// A jump of 63 or more moves every earlier number out of the window: none of them is
// remembered as received. (MIT computes recvmap << (jump + 1), which C leaves undefined
// from a shift of 64 on; MIT 1.20.1's x86-64 build shifts by (jump + 1) mod 64, so old
// bits can survive and it may report DUPLICATE for a token never received, e.g. for
// jumps 63, 64 and 127 here. apx gives the result the code intends.)
TEST(SeqWindow, LongJumpForgetsTheOldWindow) {
  for (uint64_t jump : {63u, 64u, 65u, 127u, 128u, 1000u}) {
    SCOPED_TRACE(jump);
    SeqWindow w(0, true, true);
    run(w, {{0, kOk}, {1, kOk}, {2, kOk}});  // next = 3, map 0b111
    EXPECT_EQ(w.check(3 + jump), kGap);      // [AHEAD] skipped `jump` numbers
    // 3 + jump - 1 is 2 behind next: never received.
    EXPECT_EQ(w.check(3 + jump - 1), kUnseq);  // [LATE], not [REPLAY]
  }
  // One short of that, the old numbers stay in the window.
  SeqWindow w(0, true, true);
  run(w, {{0, kOk}, {1, kOk}, {2, kOk}, {65, kGap}, {2, kDup}, {1, kUnseq}});
}

// ---- Wraparound ----

TEST(SeqWindow, WideWrapsAt2To64) {
  const uint64_t start = UINT64_MAX - 2;
  SeqWindow w(start, true, true);
  run(w, {{start, kOk},
          {UINT64_MAX - 1, kOk},
          {UINT64_MAX, kOk},
          {0, kOk},              // rel 3: in order across the wrap
          {1, kOk},
          {UINT64_MAX, kDup},    // [REPLAY] across the wrap
          {3, kGap},             // [AHEAD]
          {2, kUnseq}});         // [LATE]
}

TEST(SeqWindow, NarrowWrapsAt2To32) {
  const uint64_t start = 0xfffffffe;
  SeqWindow w(start, true, true, /*wide=*/false);
  EXPECT_FALSE(w.wide());
  run(w, {{0xfffffffe, kOk},
          {0xffffffff, kOk},
          {0, kOk},              // rel = (0 - start) & 0xffffffff = 2
          {1, kOk},
          {0xffffffff, kDup},    // [REPLAY] across the wrap
          {0, kDup},
          {4, kGap},
          {2, kUnseq}});         // [LATE]
}

TEST(SeqWindow, NarrowIgnoresBitsAbove32) {
  SeqWindow w(5, true, true, false);
  run(w, {{5, kOk},
          {0x100000005, kDup},   // same number mod 2^32
          {0x700000006, kOk}});
  // Wide, the same numbers are far apart.
  SeqWindow wide(5, true, true);
  run(wide, {{5, kOk}, {0x100000005, kGap}});
}

// rel is modular: a number below the initial one is far ahead, not old (MIT's choice).
TEST(SeqWindow, NumberBelowInitialIsFarAhead) {
  SeqWindow w(kBase, true, true);
  run(w, {{kBase, kOk},
          {kBase - 1, kGap}});   // [AHEAD] rel = 2^64 - 1
  EXPECT_EQ(w.next_relative(), 0u);  // next wrapped to 0
  run(w, {{kBase, kOk}});        // [AHEAD] rel 0 >= next 0 again

  SeqWindow narrow(10, true, false, false);
  run(narrow, {{10, kOk}, {9, kOk}});  // [AHEAD] rel 2^32 - 1, no GAP without sequencing
}

TEST(SeqWindow, StateAccessors) {
  SeqWindow w(kBase, true, false);
  EXPECT_EQ(w.base(), kBase);
  EXPECT_TRUE(w.do_replay());
  EXPECT_FALSE(w.do_sequence());
  EXPECT_TRUE(w.wide());
  run(w, {{kBase, kOk}, {kBase + 2, kOk}});
  EXPECT_EQ(w.next_relative(), 3u);
  EXPECT_EQ(w.received_map(), 0b101u);  // bit 0: rel 2, bit 2: rel 0
}

TEST(SeqWindow, CopiesAreIndependent) {
  SeqWindow a(0, true, true);
  ASSERT_EQ(a.check(0), kOk);
  SeqWindow b = a;
  EXPECT_EQ(a.check(1), kOk);
  EXPECT_EQ(b.check(1), kOk);
  EXPECT_EQ(a.check(1), kDup);
}

}  // namespace
}  // namespace apx::core
