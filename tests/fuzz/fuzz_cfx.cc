// libFuzzer target: the RFC 4121 §4.2.6 header of per-message tokens (parse_cfx_header
// for the MIC and the Wrap TOK_ID) and the §4.2.5 rotation (copy_unrotated).
//
// Checked beyond "no crash": every failure is GSS_S_DEFECTIVE_TOKEN; a header that parses
// is rebuilt octet for octet by the matching writer; copy_unrotated gives what a plain
// std::rotate gives, for the header's RRC and for an RRC read from the input's first 8
// octets (any size_t, so RRC % size is exercised far beyond 16 bits).
#include <gssapi/gssapi.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "token/cfx.h"

namespace {

namespace tok = apx::token;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_cfx: %s\n", what);
  std::abort();
}

// §4.2.5: the sender rotated right by RRC; undoing it is a left rotation by RRC % n.
void check_unrotated(std::span<const uint8_t> rotated, size_t rrc) {
  std::vector<uint8_t> out(rotated.size());
  tok::copy_unrotated(rotated, rrc, out);
  std::vector<uint8_t> want(rotated.begin(), rotated.end());
  if (!want.empty())
    std::rotate(want.begin(), want.begin() + static_cast<std::ptrdiff_t>(rrc % want.size()),
                want.end());
  if (out != want) fail("copy_unrotated differs from std::rotate");
}

void check_header(std::span<const uint8_t> in, uint16_t tok_id) {
  const auto h = tok::parse_cfx_header(in, tok_id);
  if (!h) {
    if (h.error().major() != GSS_S_DEFECTIVE_TOKEN)
      fail("header refused with a major code other than DEFECTIVE_TOKEN");
    return;
  }
  if (in.size() < tok::kCfxHeaderSize || h->tok_id != tok_id)
    fail("header accepted short or with another TOK_ID");
  std::array<uint8_t, tok::kCfxHeaderSize> again{};
  if (tok_id == tok::kTokMic) {
    if (h->ec != 0 || h->rrc != 0) fail("MIC header with EC or RRC");
    tok::write_mic_header(again, h->flags, h->seq);
  } else {
    tok::write_wrap_header(again, h->flags, h->ec, h->rrc, h->seq);
  }
  if (!std::equal(again.begin(), again.end(), in.begin()))
    fail("parsed header does not rebuild to the input");
  if (tok_id == tok::kTokWrap) check_unrotated(in.subspan(tok::kCfxHeaderSize), h->rrc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  check_header(in, tok::kTokMic);
  check_header(in, tok::kTokWrap);
  if (in.size() >= 8) {
    size_t rrc = 0;
    for (size_t i = 0; i < 8; ++i) rrc = (rrc << 8) | in[i];
    check_unrotated(in.subspan(8), rrc);
  }
  return 0;
}
