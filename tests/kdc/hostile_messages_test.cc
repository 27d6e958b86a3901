// Hostile per-message tokens against apx (standalone OID, both ends apx): every
// truncation, every bit flip, wrong TOK_ID, reflected tokens, bad filler, EC or RRC beyond
// the token, tokens of another context, RFC 1964 tokens. Each gets a clean GSS error —
// GSS_S_DEFECTIVE_TOKEN or GSS_S_BAD_SIG — and nothing else (the suite also runs under
// ASan and UBSan).
#include <gtest/gtest.h>
#include <krb5/krb5.h>

#include <cstdio>

#include "gssapi/gssapi_apx.h"
#include "kdc/gss_helpers.h"

namespace apx::test {
namespace {

gss_OID_desc kApx = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};

struct Pair {
  Ctx init, acc;
};

// `icred`: the initiator's credential (default: none, the default ccache).
void establish(Pair& p, OM_uint32 flags, const char* target = "sha1@localhost",
               gss_cred_id_t icred = GSS_C_NO_CREDENTIAL) {
  Name t = import(target, GSS_C_NT_HOSTBASED_SERVICE);
  OM_uint32 minor;
  Buffer tok, rep, none;
  ASSERT_FALSE(GSS_ERROR(gss_init_sec_context(&minor, icred, &p.init.h, t.h, &kApx,
                                              flags, 0, nullptr, nullptr, nullptr, &tok.b,
                                              nullptr, nullptr)));
  ASSERT_EQ(gss_accept_sec_context(&minor, &p.acc.h, GSS_C_NO_CREDENTIAL, &tok.b, nullptr,
                                   nullptr, nullptr, &rep.b, nullptr, nullptr, nullptr),
            GSS_S_COMPLETE);
  if (rep.b.length) {
    ASSERT_EQ(gss_init_sec_context(&minor, icred, &p.init.h, t.h, &kApx, flags, 0,
                                   nullptr, &rep.b, nullptr, &none.b, nullptr, nullptr),
              GSS_S_COMPLETE);
  }
}

const std::string kMsg = "a message of some forty-one octets, or so";

std::vector<uint8_t> wrap(gss_ctx_id_t ctx, int conf) {
  OM_uint32 minor;
  gss_buffer_desc in = buf(kMsg);
  Buffer out;
  EXPECT_EQ(gss_wrap(&minor, ctx, conf, GSS_C_QOP_DEFAULT, &in, nullptr, &out.b), GSS_S_COMPLETE);
  return out.bytes();
}

std::vector<uint8_t> mic(gss_ctx_id_t ctx) {
  OM_uint32 minor;
  gss_buffer_desc in = buf(kMsg);
  Buffer out;
  EXPECT_EQ(gss_get_mic(&minor, ctx, GSS_C_QOP_DEFAULT, &in, &out.b), GSS_S_COMPLETE);
  return out.bytes();
}

// The token header and trailer of a wrap_iov without a TRAILER buffer (RRC != 0), as one
// token: header buffer ‖ data.
std::vector<uint8_t> wrap_iov_rotated(gss_ctx_id_t ctx, int conf) {
  OM_uint32 minor;
  std::string data = kMsg;
  gss_iov_buffer_desc iov[2] = {};
  iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
  iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
  iov[1].buffer = buf(data);
  EXPECT_EQ(gss_wrap_iov(&minor, ctx, conf, GSS_C_QOP_DEFAULT, nullptr, iov, 2), GSS_S_COMPLETE);
  std::vector<uint8_t> out(static_cast<uint8_t*>(iov[0].buffer.value),
                           static_cast<uint8_t*>(iov[0].buffer.value) + iov[0].buffer.length);
  out.insert(out.end(), data.begin(), data.end());
  gss_release_iov_buffer(&minor, iov, 2);
  return out;
}

// What the receiver says about a token: the major status (plaintext checked when it
// unwraps).
OM_uint32 unwrap(gss_ctx_id_t ctx, const std::vector<uint8_t>& token) {
  OM_uint32 minor;
  gss_buffer_desc in = buf(token);
  Buffer out;
  const OM_uint32 major = gss_unwrap(&minor, ctx, &in, &out.b, nullptr, nullptr);
  if (!GSS_ERROR(major)) {
    EXPECT_EQ(out.str(), kMsg);
  }
  return major;
}

OM_uint32 verify(gss_ctx_id_t ctx, const std::vector<uint8_t>& token) {
  OM_uint32 minor;
  gss_buffer_desc in = buf(kMsg), t = buf(token);
  return gss_verify_mic(&minor, ctx, &in, &t, nullptr);
}

bool clean_refusal(OM_uint32 major) {
  const OM_uint32 r = GSS_ROUTINE_ERROR(major);
  return r == GSS_S_DEFECTIVE_TOKEN || r == GSS_S_BAD_SIG;
}

// A token made by the initiator and what the acceptor must say about its damaged copies.
struct Made {
  const char* what;
  std::vector<uint8_t> token;
  bool is_mic;
};

// Every truncation (an empty token never reaches apx: the mechglue refuses it as a calling
// error) and every bit flip of `m` outside [skip_from, skip_to) is a clean refusal, and the
// unmodified token still verifies.
void expect_damage_refused(gss_ctx_id_t acceptor, const Made& m, size_t skip_from = 0,
                           size_t skip_to = 0) {
  SCOPED_TRACE(m.what);
  auto judge = [&](const std::vector<uint8_t>& t) {
    return m.is_mic ? verify(acceptor, t) : unwrap(acceptor, t);
  };
  for (size_t n = 0; n < m.token.size(); ++n) {
    std::vector<uint8_t> cut(m.token.begin(), m.token.begin() + static_cast<long>(n));
    const OM_uint32 major = judge(cut);
    EXPECT_TRUE(n == 0 ? GSS_ERROR(major) != 0 : clean_refusal(major))
        << "truncated to " << n << " major 0x" << std::hex << major;
  }
  for (size_t bit = 0; bit < m.token.size() * 8; ++bit) {
    if (bit / 8 >= skip_from && bit / 8 < skip_to) continue;
    auto t = m.token;
    t[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    const OM_uint32 major = judge(t);
    EXPECT_TRUE(clean_refusal(major)) << "bit " << bit << " major 0x" << std::hex << major;
  }
  EXPECT_FALSE(GSS_ERROR(judge(m.token))) << "the unmodified token";
}

class HostileMessages : public testing::TestWithParam<const char*> {};

TEST_P(HostileMessages, TruncationsAndBitFlipsAreRefused) {
  Pair p;
  establish(p, GSS_C_MUTUAL_FLAG, GetParam());
  const std::vector<Made> tokens = {
      {"wrap conf", wrap(p.init.h, 1), false},
      {"wrap integ", wrap(p.init.h, 0), false},
      {"wrap_iov conf rotated", wrap_iov_rotated(p.init.h, 1), false},
      {"wrap_iov integ rotated", wrap_iov_rotated(p.init.h, 0), false},
      {"mic", mic(p.init.h), true},
  };
  // RFC 4121 §4.2.2: unknown flag bits are ignored, and the flags octet is covered by the
  // checksum or the encrypted header copy — so even those flips are refused.
  for (const Made& m : tokens) expect_damage_refused(p.acc.h, m);
}

INSTANTIATE_TEST_SUITE_P(Enctypes, HostileMessages,
                         testing::Values("sha1@localhost", "sha2@localhost"));

// The RFC 1964 (DES3) and RFC 4757 (RC4) tokens of contexts whose keys are those legacy
// enctypes: every truncation and every bit flip of a sealed, an integrity-only and a MIC
// token is a clean refusal, and the intact token still verifies.
class HostileLegacyMessages : public testing::TestWithParam<const char*> {};

TEST_P(HostileLegacyMessages, TruncationsAndBitFlipsAreRefused) {
  // The initiator asks for the legacy session key (the KDC gives AES keys otherwise).
  const int32_t want = std::string(GetParam()).rfind("des3", 0) == 0 ? ENCTYPE_DES3_CBC_SHA1
                                                                      : ENCTYPE_ARCFOUR_HMAC;
  OM_uint32 minor = 0;
  Cred icred;
  gss_OID_set_desc mechs = {1, &kApx};
  ASSERT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_INITIATE, &icred.h, nullptr,
                             nullptr),
            GSS_S_COMPLETE);
  int32_t list[] = {want};
  ASSERT_EQ(gss_krb5_set_allowable_enctypes(&minor, icred.h, 1, list), GSS_S_COMPLETE);
  Pair p;
  establish(p, GSS_C_MUTUAL_FLAG, GetParam(), icred.h);
  // The context really has the legacy session key (MIT's enctype OID ends in it).
  gss_buffer_set_t key = GSS_C_NO_BUFFER_SET;
  ASSERT_EQ(gss_inquire_sec_context_by_oid(&minor, p.init.h,
                                           const_cast<gss_OID>(GSS_C_INQ_SSPI_SESSION_KEY), &key),
            GSS_S_COMPLETE);
  ASSERT_EQ(key->count, 2u);
  const uint8_t enctype = static_cast<const uint8_t*>(key->elements[1].value)[key->elements[1].length - 1];
  gss_release_buffer_set(&minor, &key);
  EXPECT_TRUE(enctype == ENCTYPE_DES3_CBC_SHA1 || enctype == ENCTYPE_ARCFOUR_HMAC) << int{enctype};
  const std::vector<Made> tokens = {
      {"wrap conf", wrap(p.init.h, 1), false},
      {"wrap integ", wrap(p.init.h, 0), false},
      {"mic", mic(p.init.h), true},
  };
  for (const Made& m : tokens) {
    ASSERT_FALSE(m.token.empty());
    // RFC 4757 §7.2-7.3: in an RC4 MIC or integrity-only Wrap token the sequence number
    // is protected only by the window: the checksum covers the header's first 8 octets
    // (and the confounder) and the data, and RC4 is a stream cipher, so a flipped bit of
    // the 4 sequence octets changes the number and nothing else. MIT's receiver accepts
    // such a flip just the same when it keeps no window, as this context does. (A sealed
    // token's data key depends on the number; DES3 encrypts it in CBC with the direction.)
    size_t seq_from = 0, seq_to = 0;
    if (enctype == ENCTYPE_ARCFOUR_HMAC && std::string(m.what) != "wrap conf") {
      const size_t len_octets = m.token[1] & 0x80 ? (m.token[1] & 0x7f) : 0;
      const size_t framing = 2 + len_octets + 2 + m.token[3 + len_octets];
      seq_from = framing + 8;  // TOK_ID, SGN_ALG, SEAL_ALG, filler
      seq_to = seq_from + 4;
    }
    expect_damage_refused(p.acc.h, m, seq_from, seq_to);
  }
}

INSTANTIATE_TEST_SUITE_P(LegacyEnctypes, HostileLegacyMessages,
                         testing::Values("des3@localhost", "rc4@localhost"));

TEST(HostileMessageHeaders, FieldsOutOfRange) {
  Pair p;
  establish(p, GSS_C_MUTUAL_FLAG);
  const auto token = wrap(p.init.h, 1);
  auto set16 = [](std::vector<uint8_t> t, size_t at, uint16_t v) {
    t[at] = static_cast<uint8_t>(v >> 8);
    t[at + 1] = static_cast<uint8_t>(v);
    return t;
  };
  // TOK_ID 05 04 | flags | FF | EC (4-5) | RRC (6-7) | SND_SEQ.
  EXPECT_EQ(unwrap(p.acc.h, set16(token, 4, 0xffff)), GSS_S_DEFECTIVE_TOKEN);  // EC past the end
  // RRC is not integrity-protected (§4.2.5): a huge value is taken modulo the body, so
  // 0x1234 misplaces the octets (refused) while a multiple of the body's size is harmless.
  EXPECT_TRUE(clean_refusal(unwrap(p.acc.h, set16(token, 6, 0x1234))));
  EXPECT_FALSE(GSS_ERROR(unwrap(p.acc.h, set16(wrap(p.init.h, 1), 6,
                                               static_cast<uint16_t>(3 * (token.size() - 16))))));
  auto filler = token;
  filler[3] = 0x00;
  EXPECT_EQ(unwrap(p.acc.h, filler), GSS_S_DEFECTIVE_TOKEN);
  EXPECT_EQ(unwrap(p.acc.h, set16(token, 0, 0x0404)), GSS_S_DEFECTIVE_TOKEN);  // a MIC's TOK_ID
  EXPECT_EQ(unwrap(p.acc.h, set16(token, 0, 0x0102)), GSS_S_DEFECTIVE_TOKEN);  // RFC 1964 wrap
  EXPECT_EQ(verify(p.acc.h, set16(mic(p.init.h), 0, 0x0101)), GSS_S_DEFECTIVE_TOKEN);  // RFC 1964 MIC
  // A token the receiver itself sent (reflected): the direction flag gives it away.
  const auto own = wrap(p.acc.h, 1);
  EXPECT_EQ(unwrap(p.acc.h, own), GSS_S_BAD_SIG);
  // An RFC 1964 token says plainly that apx does not do DES3/RC4.
  OM_uint32 minor;
  std::vector<uint8_t> legacy = {0x60, 0x2b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12,
                                 0x01, 0x02, 0x02, 0x02, 0x01, 0x11, 0x00, 0x10, 0x00, 0xff, 0xff};
  legacy.resize(45, 0);
  gss_buffer_desc in = buf(legacy);
  Buffer out;
  EXPECT_EQ(gss_unwrap(&minor, p.acc.h, &in, &out.b, nullptr, nullptr), GSS_S_DEFECTIVE_TOKEN);
  const std::string text = minor_text(minor, &kApx);
  EXPECT_NE(text.find("RFC 1964"), std::string::npos) << text;
}

// CVE-2024-37370 (MIT): the EC field of a sealed token is outside the checksum; changing it
// made MIT hand back a truncated message as if it were whole. apx compares the header with
// its encrypted copy, EC included: every other EC that stays inside the token is refused.
TEST(HostileMessageHeaders, SealedTokenWithAlteredEcIsRefused) {
  Pair p;
  establish(p, GSS_C_MUTUAL_FLAG);
  for (const auto& token : {wrap(p.init.h, 1), wrap_iov_rotated(p.init.h, 1)}) {
    ASSERT_EQ(token[4], 0);  // EC 0: CTS needs no filler
    ASSERT_EQ(token[5], 0);
    for (uint16_t ec = 1; ec < token.size() - 16; ++ec) {
      auto t = token;
      t[4] = static_cast<uint8_t>(ec >> 8);
      t[5] = static_cast<uint8_t>(ec);
      EXPECT_TRUE(clean_refusal(unwrap(p.acc.h, t))) << "EC " << ec;  // never a short message
    }
  }
}

// CVE-2024-37371 (MIT): a HEADER buffer or STREAM shorter than the token's own fields led
// to reads past the buffer. gss_unwrap_iov with every shorter HEADER, and every shorter
// STREAM, is refused cleanly (the suite runs under ASan too).
TEST(HostileMessageHeaders, ShortIovBuffersAreRefused) {
  Pair p;
  establish(p, GSS_C_MUTUAL_FLAG);
  for (int conf : {0, 1}) {
    SCOPED_TRACE(conf);
    const auto token = wrap_iov_rotated(p.init.h, conf);  // header buffer ‖ data
    const size_t header_size = token.size() - kMsg.size();
    OM_uint32 minor;
    for (size_t n = 0; n < header_size; ++n) {
      std::vector<uint8_t> header(token.begin(), token.begin() + static_cast<long>(n));
      std::vector<uint8_t> data(token.begin() + static_cast<long>(header_size), token.end());
      gss_iov_buffer_desc iov[2] = {};
      iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
      iov[0].buffer = {header.size(), header.data()};
      iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
      iov[1].buffer = {data.size(), data.data()};
      const OM_uint32 major = gss_unwrap_iov(&minor, p.acc.h, nullptr, nullptr, iov, 2);
      EXPECT_TRUE(GSS_ERROR(major)) << "header of " << n << " octets";
    }
    for (size_t n = 0; n < token.size(); ++n) {
      std::vector<uint8_t> stream(token.begin(), token.begin() + static_cast<long>(n));
      gss_iov_buffer_desc iov[2] = {};
      iov[0].type = GSS_IOV_BUFFER_TYPE_STREAM;
      iov[0].buffer = {stream.size(), stream.data()};
      iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
      const OM_uint32 major = gss_unwrap_iov(&minor, p.acc.h, nullptr, nullptr, iov, 2);
      EXPECT_TRUE(GSS_ERROR(major)) << "stream of " << n << " octets";
    }
  }
}

// CVE-2017-11462 (MIT) and CVE-2014-5352 (MIT): a mechanism that frees a context behind
// the caller's back leaves a dangling handle. A failed second gss_init_sec_context call
// and a gss_process_context_token call both leave a handle the caller can still delete,
// and process_context_token leaves the context working. MIT's mechanism beside apx's.
TEST(HostileContextTokens, FailedCallsLeaveHandlesToDelete) {
  gss_OID_desc krb5 = kKrb5Oid;
  for (gss_OID mech : {&kApx, &krb5}) {
    SCOPED_TRACE(mech == &kApx ? "apx" : "MIT");
    Name t = import("sha1@localhost", GSS_C_NT_HOSTBASED_SERVICE);
    OM_uint32 minor;
    Ctx init, acc;
    Buffer tok, rep, none;
    ASSERT_EQ(gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &init.h, t.h, mech,
                                   GSS_C_MUTUAL_FLAG, 0, nullptr, nullptr, nullptr, &tok.b,
                                   nullptr, nullptr),
              GSS_S_CONTINUE_NEEDED);
    ASSERT_EQ(gss_accept_sec_context(&minor, &acc.h, GSS_C_NO_CREDENTIAL, &tok.b, nullptr,
                                     nullptr, nullptr, &rep.b, nullptr, nullptr, nullptr),
              GSS_S_COMPLETE);
    std::vector<uint8_t> bad = rep.bytes();
    bad.back() ^= 0x01;  // inside the AP-REP's encrypted part
    gss_buffer_desc in = buf(bad);
    EXPECT_TRUE(GSS_ERROR(gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &init.h, t.h, mech,
                                               GSS_C_MUTUAL_FLAG, 0, nullptr, &in, nullptr,
                                               &none.b, nullptr, nullptr)));
    if (init.h != GSS_C_NO_CONTEXT) {
      gss_buffer_desc msg = buf(kMsg);
      Buffer out;
      EXPECT_TRUE(GSS_ERROR(gss_get_mic(&minor, init.h, GSS_C_QOP_DEFAULT, &msg, &out.b)));
      EXPECT_EQ(gss_delete_sec_context(&minor, &init.h, GSS_C_NO_BUFFER), GSS_S_COMPLETE);
    }
    // The acceptor is established: a context-level token is refused, the context stays.
    const std::vector<uint8_t> rfc1964_delete = {0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    gss_buffer_desc del = buf(rfc1964_delete);
    EXPECT_TRUE(GSS_ERROR(gss_process_context_token(&minor, acc.h, &del)));
    const auto own = wrap(acc.h, 1);
    EXPECT_FALSE(own.empty());
  }
}

TEST(HostileMessageHeaders, TokensOfAnotherContextAreRefused) {
  Pair a, b;
  establish(a, GSS_C_MUTUAL_FLAG);
  establish(b, GSS_C_MUTUAL_FLAG);
  EXPECT_EQ(unwrap(b.acc.h, wrap(a.init.h, 1)), GSS_S_BAD_SIG);
  EXPECT_EQ(unwrap(b.acc.h, wrap(a.init.h, 0)), GSS_S_BAD_SIG);
  EXPECT_EQ(verify(b.acc.h, mic(a.init.h)), GSS_S_BAD_SIG);
}

TEST(HostileMessageHeaders, ReplayAndOrderAreReported) {
  Pair p;
  establish(p, GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG);
  const auto m1 = mic(p.init.h);
  const auto m2 = mic(p.init.h);
  const auto m3 = mic(p.init.h);
  EXPECT_EQ(verify(p.acc.h, m1), GSS_S_COMPLETE);
  EXPECT_EQ(verify(p.acc.h, m1), GSS_S_DUPLICATE_TOKEN);
  EXPECT_EQ(verify(p.acc.h, m3), GSS_S_GAP_TOKEN);
  EXPECT_EQ(verify(p.acc.h, m2), GSS_S_UNSEQ_TOKEN);
}

}  // namespace
}  // namespace apx::test
