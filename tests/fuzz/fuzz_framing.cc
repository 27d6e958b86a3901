// libFuzzer target: the context-establishment token parsers. The input is taken as an
// RFC 2743 §3.1 framed token (parse_framed; with TOK_ID 01 00 its body goes to
// peek_ap_req) and, separately, as the contents of an RFC 4121 §4.1.1 0x8003 checksum
// (parse_gss_checksum_head, then parse_gss_checksum_tail).
//
// Checked beyond "no crash": every framing failure is GSS_S_DEFECTIVE_TOKEN, every checksum
// failure MIT's major for it (BAD_BINDINGS when short, FAILURE otherwise); a framed token that
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
  const auto h = tok::parse_gss_checksum_head(in);
  if (!h) {
    const OM_uint32 major = h.error().major();
    if (major != GSS_S_BAD_BINDINGS && major != GSS_S_FAILURE)
      fail("parse_gss_checksum_head: major code other than BAD_BINDINGS or FAILURE");
    if (in.size() >= 24 && major != GSS_S_FAILURE) fail("parse_gss_checksum_head: 24 octets refused as short");
    return;
  }
  if (in.size() < 24) fail("parse_gss_checksum_head: accepted fewer than 24 octets");
  if (!inside(h->rest, in) || h->rest.size() != in.size() - 24) fail("parse_gss_checksum_head: rest");
  const auto t = tok::parse_gss_checksum_tail(h->flags, h->rest);
  if (!t) {
    if (t.error().major() != GSS_S_FAILURE) fail("parse_gss_checksum_tail: major code other than FAILURE");
    return;
  }
  if (!inside(t->deleg, in) || !inside(t->exts, in)) fail("parse_gss_checksum_tail: span outside");
  // Without extensions and with a delegation field exactly when the flag says so, the
  // builder must give the input back.
  const bool deleg_flag = (h->flags & GSS_C_DELEG_FLAG) != 0;
  if (!t->exts.empty() || deleg_flag != t->has_deleg || (t->has_deleg && t->deleg.empty())) return;
  const std::vector<uint8_t> again = tok::build_gss_checksum(h->bnd, h->flags, t->deleg);
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
