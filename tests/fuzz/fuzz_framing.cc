// libFuzzer target: the context-establishment token parsers. The input is taken as an
// RFC 2743 §3.1 framed token (parse_framed; with TOK_ID 01 00 its body goes to
// peek_ap_req) and, separately, as the contents of an RFC 4121 §4.1.1 0x8003 checksum
// (parse_gss_checksum).
//
// Checked beyond "no crash": every failure is GSS_S_DEFECTIVE_TOKEN; a framed token that
// parses is rebuilt octet for octet by build_framed (strict DER has one encoding); spans
// handed back lie inside the input; a checksum that parses without extensions is rebuilt
// by build_gss_checksum.
#include <gssapi/gssapi.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "token/ap_req.h"
#include "token/framing.h"
#include "token/gss_checksum.h"

namespace {

namespace tok = apx::token;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_framing: %s\n", what);
  std::abort();
}

template <class T>
void expect_defective(const apx::base::Result<T>& r, const char* what) {
  if (!r && r.error().major() != GSS_S_DEFECTIVE_TOKEN) fail(what);
}

bool inside(std::span<const uint8_t> part, std::span<const uint8_t> whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check_ap_req(std::span<const uint8_t> body) {
  const auto peek = tok::peek_ap_req(body);
  expect_defective(peek, "peek_ap_req: major code other than DEFECTIVE_TOKEN");
  if (peek && !inside(peek->ticket, body)) fail("peek_ap_req: ticket outside the body");
}

void check_framed(std::span<const uint8_t> in) {
  const auto f = tok::parse_framed(in);
  expect_defective(f, "parse_framed: major code other than DEFECTIVE_TOKEN");
  if (!f) return;
  if (!inside(f->oid, in) || !inside(f->body, in)) fail("parse_framed: span outside the input");
  if (tok::framed_size(f->oid.size(), f->body.size()) != in.size())
    fail("parse_framed: framed_size differs from the token's size");
  const std::vector<uint8_t> again = tok::build_framed(f->oid, f->tok_id, f->body);
  if (!std::equal(again.begin(), again.end(), in.begin(), in.end()))
    fail("parse_framed: build_framed does not give the token back");
  if (f->tok_id == tok::kTokApReq) check_ap_req(f->body);
}

void check_gss_checksum(std::span<const uint8_t> in) {
  const auto c = tok::parse_gss_checksum(in);
  expect_defective(c, "parse_gss_checksum: major code other than DEFECTIVE_TOKEN");
  if (!c) return;
  if (in.size() < 24) fail("parse_gss_checksum: accepted fewer than 24 octets");
  if (!inside(c->deleg, in) || !inside(c->exts, in)) fail("parse_gss_checksum: span outside");
  // Without extensions, with a delegation field exactly when the flag says so and with
  // the flags as sent (a DELEG flag without its field is dropped, as MIT does), the
  // builder must give the input back.
  const uint32_t sent_flags = uint32_t{in[20]} | uint32_t{in[21]} << 8 |
                              uint32_t{in[22]} << 16 | uint32_t{in[23]} << 24;
  const bool deleg_flag = (c->flags & GSS_C_DELEG_FLAG) != 0;
  if (sent_flags != c->flags || !c->exts.empty() || deleg_flag != !c->deleg.empty()) return;
  const std::vector<uint8_t> again = tok::build_gss_checksum(c->bnd, c->flags, c->deleg);
  if (!std::equal(again.begin(), again.end(), in.begin(), in.end()))
    fail("parse_gss_checksum: build_gss_checksum does not give the input back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  check_framed(in);
  check_gss_checksum(in);
  return 0;
}
