// RFC 2743 §1.2.3 replay and out-of-sequence detection for received per-message tokens,
// reporting the same supplementary status bits as MIT krb5 (util_seqstate.c,
// g_seqstate_check) in every case.
//
// Sequence numbers are taken relative to the first one expected (`initial`), so wrapping
// at 2^64 (or 2^32 for RFC 1964's 32-bit numbers, wide = false) needs no special case.
// The window remembers the 64 numbers below the highest one received.
//
//   token relative to the highest seen (H)   replay only   sequence only   both
//   H + 1                                    COMPLETE      COMPLETE        COMPLETE
//   > H + 1 (numbers skipped)                COMPLETE      GAP             GAP
//   in the window, not seen before           COMPLETE      UNSEQ           UNSEQ
//   in the window, seen before               DUPLICATE     UNSEQ           DUPLICATE
//   more than 64 below H + 1                 OLD           UNSEQ           UNSEQ
// With neither flag every token is COMPLETE and nothing is recorded. Tokens in the window
// or ahead of it are recorded as received; those below the window are not.
//
// "Relative" is modular, like MIT: a number below `initial` counts as far ahead (GAP).
#pragma once

#include <gssapi/gssapi.h>

#include <cstdint>

namespace apx::core {

class SeqWindow {
 public:
  // `initial`: the sequence number the peer's first token carries (RFC 4121 §4.2.6: the
  // peer's initial sequence number from the authenticator or AP-REP).
  SeqWindow(uint64_t initial, bool do_replay, bool do_sequence, bool wide = true);

  // Classifies a received token's sequence number and records it. Returns 0
  // (GSS_S_COMPLETE) or one supplementary bit: GSS_S_DUPLICATE_TOKEN, GSS_S_OLD_TOKEN,
  // GSS_S_UNSEQ_TOKEN or GSS_S_GAP_TOKEN. Call it only for tokens whose integrity check
  // passed, as MIT does.
  [[nodiscard]] OM_uint32 check(uint64_t seq);

  // State, for exporting a context.
  [[nodiscard]] uint64_t base() const { return base_; }
  // One past the highest number received so far, relative to base(); 0 before any.
  [[nodiscard]] uint64_t next_relative() const { return next_; }
  // Bit i-1 set: base() + next_relative() - i was received (i = 1..64).
  [[nodiscard]] uint64_t received_map() const { return recvmap_; }
  [[nodiscard]] bool do_replay() const { return do_replay_; }
  [[nodiscard]] bool do_sequence() const { return do_sequence_; }
  [[nodiscard]] bool wide() const { return mask_ == UINT64_MAX; }
  // A window as exported by a context (gss_export_sec_context).
  [[nodiscard]] static SeqWindow restore(uint64_t base, uint64_t next_relative,
                                         uint64_t received_map, bool do_replay,
                                         bool do_sequence, bool wide) {
    SeqWindow w(base, do_replay, do_sequence, wide);
    w.next_ = next_relative & w.mask_;
    w.recvmap_ = received_map;
    return w;
  }

 private:
  uint64_t base_;
  uint64_t next_ = 0;
  uint64_t recvmap_ = 0;
  uint64_t mask_;
  bool do_replay_;
  bool do_sequence_;
};

}  // namespace apx::core
