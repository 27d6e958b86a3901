// libFuzzer target: IAKERB proxy message bodies (draft-ietf-kitten-iakerb §3, MIT's
// iakerb.c layout), the tokens around them and IAKERB-FINISHED. The input is taken as a framed context token (parse_framed; with
// TOK_ID 05 01 its body goes to parse_iakerb_body) and, separately, as a body.
//
// Checked beyond "no crash": every failure is GSS_S_DEFECTIVE_TOKEN; spans handed back lie
// inside the input; the KDC message is the input's tail; a body that parses is rebuilt by
// build_iakerb_body into one that parses to the same fields, and octet for octet when the
// input was in MIT's own form (OCTET STRING realm, no extension fields).
#include <gssapi/gssapi.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "token/framing.h"
#include "token/iakerb.h"

namespace {

namespace tok = apx::token;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_iakerb: %s\n", what);
  std::abort();
}

bool inside(std::span<const uint8_t> part, std::span<const uint8_t> whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

bool same(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

void check_body(std::span<const uint8_t> body) {
  const auto m = tok::parse_iakerb_body(body);
  if (!m) {
    if (m.error().major() != GSS_S_DEFECTIVE_TOKEN) fail("major code other than DEFECTIVE_TOKEN");
    return;
  }
  if (!inside(m->realm, body) || (m->cookie && !inside(*m->cookie, body)))
    fail("a span outside the input");
  if (m->kdc_message.empty() || m->kdc_message.data() + m->kdc_message.size() != body.data() + body.size())
    fail("the KDC message is not the input's tail");
  if (static_cast<uint8_t>(m->type) != m->kdc_message[0]) fail("type differs from the tag");
  const std::vector<uint8_t> again = tok::build_iakerb_body(m->realm, m->cookie, m->kdc_message);
  const auto m2 = tok::parse_iakerb_body(again);
  if (!m2) fail("build_iakerb_body made a body that does not parse");
  if (!same(m2->realm, m->realm) || m2->cookie.has_value() != m->cookie.has_value() ||
      (m->cookie && !same(*m2->cookie, *m->cookie)) || !same(m2->kdc_message, m->kdc_message) ||
      m2->type != m->type)
    fail("the rebuilt body parses to other fields");
  // Strict DER has one encoding: a body of the rebuilt size (no extension fields) differs
  // from it at most in the realm's tag, where the draft's UTF8String (0c) became MIT's
  // OCTET STRING (04).
  if (again.size() != body.size()) return;
  size_t diffs = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == again[i]) continue;
    if (++diffs > 1 || body[i] != 0x0c || again[i] != 0x04) fail("not rebuilt octet for octet");
  }
}

// IAKERB-FINISHED (the authenticator checksum's extension): a value that parses is
// rebuilt into one that parses to the same fields, octet for octet when it had no
// extension fields.
void check_finished(std::span<const uint8_t> in) {
  const auto f = tok::parse_iakerb_finished(in);
  if (!f) {
    if (f.error().major() != GSS_S_DEFECTIVE_TOKEN) fail("finished: major other than DEFECTIVE_TOKEN");
    return;
  }
  if (!inside(f->checksum, in)) fail("finished: a span outside the input");
  const std::vector<uint8_t> again = tok::build_iakerb_finished(f->cksumtype, f->checksum);
  const auto f2 = tok::parse_iakerb_finished(again);
  if (!f2 || f2->cksumtype != f->cksumtype || !same(f2->checksum, f->checksum))
    fail("finished: the rebuilt value parses to other fields");
  if (again.size() == in.size() && !same(again, in)) fail("finished: not rebuilt octet for octet");
}

// The token classifier the acceptor and initiator use: a body handed back is the input's
// tail, and a token it accepts as later (unframed) starts with TOK_ID 05 01.
void check_token(std::span<const uint8_t> in) {
  static const uint8_t oid[] = {0x2b, 0x06, 0x01, 0x05, 0x02, 0x05};
  for (const bool initial : {true, false}) {
    const auto body = tok::iakerb_token_body(oid, initial, in);
    if (!body) continue;
    if (!inside(*body, in) || (!body->empty() && body->data() + body->size() != in.data() + in.size()))
      fail("token: the body is not the input's tail");
    if (in[0] != 0x60 && (initial || in.size() < 2 || in[0] != 0x05 || in[1] != 0x01))
      fail("token: an unframed token taken where it may not be");
    check_body(*body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  const auto f = tok::parse_framed(in);
  if (f && f->tok_id == tok::kTokIakerbProxy) check_body(f->body);
  check_body(in);
  check_finished(in);
  check_token(in);
  return 0;
}
