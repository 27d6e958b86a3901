#include "core/seq_window.h"

namespace apx::core {

namespace {
constexpr uint64_t kWindow = 64;  // numbers remembered below the highest received
}  // namespace

SeqWindow::SeqWindow(uint64_t initial, bool do_replay, bool do_sequence, bool wide)
    : base_(initial),
      mask_(wide ? UINT64_MAX : UINT32_MAX),
      do_replay_(do_replay),
      do_sequence_(do_sequence) {}

OM_uint32 SeqWindow::check(uint64_t seq) {
  // RFC 2743 §1.2.3: with neither service requested, nothing is detected or recorded.
  if (!do_replay_ && !do_sequence_) return GSS_S_COMPLETE;

  const uint64_t rel = (seq - base_) & mask_;
  if (rel >= next_) {
    // The expected number or a later one: it becomes the highest received. A jump past
    // the window empties the map. (MIT shifts by offset + 1 unconditionally, which C
    // leaves undefined from 64 on; this is the result it intends.)
    const uint64_t skipped = rel - next_;
    recvmap_ = skipped < kWindow - 1 ? (recvmap_ << (skipped + 1)) | 1 : 1;
    next_ = (rel + 1) & mask_;
    // RFC 2743 §1.2.1.1, GSS_S_GAP_TOKEN: "an expected per-message token was not
    // received"; MIT reports it only when sequencing was asked for.
    return skipped > 0 && do_sequence_ ? GSS_S_GAP_TOKEN : GSS_S_COMPLETE;
  }

  const uint64_t behind = next_ - rel;  // 1 = the highest received
  if (behind > kWindow) {
    // Too old to tell whether it is a replay. With sequencing MIT reports it as out of
    // sequence, without as GSS_S_OLD_TOKEN.
    return do_sequence_ ? GSS_S_UNSEQ_TOKEN : GSS_S_OLD_TOKEN;
  }
  const uint64_t bit = uint64_t{1} << (behind - 1);
  if (do_replay_ && (recvmap_ & bit) != 0) return GSS_S_DUPLICATE_TOKEN;
  recvmap_ |= bit;
  // RFC 2743 §1.2.1.1, GSS_S_UNSEQ_TOKEN: "a later token has already been processed".
  return do_sequence_ ? GSS_S_UNSEQ_TOKEN : GSS_S_COMPLETE;
}

}  // namespace apx::core
