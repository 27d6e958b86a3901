// Hostile authenticators, differential: AP-REQs made with the real ticket and session key
// (libkrb5's krb5_mk_req_extended, with the checksum and authorization data chosen by each
// case) are given to apx (its own OID) and to MIT's mechanism (the krb5 OID) in the same
// process. Both must decide alike: the same major status; when accepted, the same flags,
// the same reply (AP-REP or none) and the same delegation; when refused, the same answer
// to the initiator (KRB-ERROR or none).
//
// Cases: every checksum kind (none, keyed over empty data, keyed over other data, 0x8003),
// every 0x8003 field (Lgth, length, flags, delegation option and its bytes, extensions),
// channel bindings on either side, AD-AP-OPTIONS (CBT and malformed forms), DCE style, and
// delegation asked for or not. The replay cache is off in this process: each AP-REQ is
// given to both mechanisms.
#include <gssapi/gssapi.h>
#include <gtest/gtest.h>
#include <krb5/krb5.h>
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "gssapi/gssapi_apx.h"
#include "kdc/gss_helpers.h"
#include "support/realm.h"

namespace apx::test {
namespace {

using Bytes = std::vector<uint8_t>;

gss_OID_desc kApx = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};
const uint8_t kKrb5Der[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};

void put_le32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_le16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void put_be32(Bytes& b, uint32_t v) {
  for (int i = 3; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }

// RFC 2743 §3.1: [APPLICATION 0] { OID, TOK_ID 01 00, AP-REQ }.
Bytes frame(const uint8_t* oid, size_t oid_len, const Bytes& ap_req) {
  Bytes inner = {0x06, static_cast<uint8_t>(oid_len)};
  inner.insert(inner.end(), oid, oid + oid_len);
  inner.push_back(0x01);
  inner.push_back(0x00);
  append(inner, ap_req);
  Bytes out = {0x60};
  const size_t n = inner.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n < 0x100) {
    out.insert(out.end(), {0x81, static_cast<uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  }
  append(out, inner);
  return out;
}

// Two sets of channel bindings: A is the acceptor's when it has any, B another channel.
struct Bindings {
  std::string app;
  gss_channel_bindings_struct cb{};
  explicit Bindings(std::string a) : app(std::move(a)) {
    cb.application_data = {app.size(), app.data()};
  }
  // RFC 4121 §4.1.1.2: MD5 over the addresses' types and lengths (LE) and the data.
  Bytes hash() const {
    Bytes in;
    put_le32(in, 0);
    put_le32(in, 0);
    put_le32(in, 0);
    put_le32(in, 0);
    put_le32(in, static_cast<uint32_t>(app.size()));
    in.insert(in.end(), app.begin(), app.end());
    Bytes out(16);
    unsigned int len = 0;
    EXPECT_EQ(EVP_Digest(in.data(), in.size(), out.data(), &len, EVP_md5(), nullptr), 1);
    return out;
  }
};
Bindings& bindings_a() {
  static Bindings b("tls-server-end-point:channel A");
  return b;
}
Bindings& bindings_b() {
  static Bindings b("tls-server-end-point:channel B");
  return b;
}

// What a case's checksum builder can use: the forwarded TGT is made in the AP-REQ's own
// auth context, as a real initiator makes it.
struct Env {
  krb5_context c;
  krb5_auth_context ac;
  krb5_creds* creds;
  krb5_ccache ccache;
  Bytes krb_cred() const {
    krb5_data d{};
    EXPECT_EQ(krb5_fwd_tgt_creds(c, ac, nullptr, creds->client, creds->server, ccache, 1, &d), 0);
    Bytes out(d.data, d.data + d.length);
    krb5_free_data_contents(c, &d);
    return out;
  }
};
using Body = std::function<Bytes(const Env&)>;

enum class Ck { kNone, kPlainEmpty, kPlainData, kGss };
enum class Ad { kNone, kCbt, kNoCbt, kShort, kTwice };
enum class AccCb { kNone, kA };

struct Case {
  std::string name;
  Ck ck = Ck::kGss;
  Body body;
  krb5_flags ap_options = AP_OPTS_USE_SUBKEY | AP_OPTS_MUTUAL_REQUIRED;
  AccCb acc_cb = AccCb::kNone;
  Ad ad = Ad::kNone;
  bool want_deleg = true;
};

constexpr uint32_t kStd = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG |
                          GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;

Bytes zero16() { return Bytes(16, 0); }

// Lgth | Bnd | Flags | tail.
Bytes gss_body(uint32_t lgth, const Bytes& bnd, uint32_t flags, const Bytes& tail = {}) {
  Bytes b;
  put_le32(b, lgth);
  append(b, bnd);
  put_le32(b, flags);
  append(b, tail);
  return b;
}
Bytes deleg_field(uint16_t opt, uint16_t dlgth, const Bytes& data) {
  Bytes b;
  put_le16(b, opt);
  put_le16(b, dlgth);
  append(b, data);
  return b;
}
Bytes ext(uint32_t type, uint32_t len, const Bytes& data) {
  Bytes b;
  put_be32(b, type);
  put_be32(b, len);
  append(b, data);
  return b;
}

// krb5_mk_req_extended's checksum callback: the case's bytes, owned by the caller.
struct CallbackData {
  const Body* body;
  Env env;
  Bytes bytes;
  krb5_data out{};
};
krb5_error_code KRB5_CALLCONV checksum_cb(krb5_context c, krb5_auth_context ac, void* arg,
                                          krb5_data** out) {
  auto* d = static_cast<CallbackData*>(arg);
  d->env.c = c;
  d->env.ac = ac;
  d->bytes = (*d->body)(d->env);
  d->out.magic = KV5M_DATA;
  d->out.length = static_cast<unsigned int>(d->bytes.size());
  d->out.data = reinterpret_cast<char*>(d->bytes.data());
  *out = &d->out;
  return 0;
}

// MS-KILE §2.2.4 AD-AP-OPTIONS, inside AD-IF-RELEVANT where MIT's initiator puts it. Freed
// with krb5_free_authdata.
krb5_authdata** authdata_for(krb5_context c, Ad ad) {
  std::vector<Bytes> items;
  switch (ad) {
    case Ad::kNone:
      return nullptr;
    case Ad::kCbt:
      items.push_back({0x00, 0x40, 0x00, 0x00});
      break;
    case Ad::kNoCbt:
      items.push_back({0x00, 0x00, 0x00, 0x00});
      break;
    case Ad::kShort:
      items.push_back({0x00, 0x40, 0x00});
      break;
    case Ad::kTwice:
      items.push_back({0x00, 0x40, 0x00, 0x00});
      items.push_back({0x00, 0x40, 0x00, 0x00});
      break;
  }
  std::vector<krb5_authdata> elems(items.size());
  std::vector<krb5_authdata*> list;
  for (size_t i = 0; i < items.size(); ++i) {
    elems[i] = {KV5M_AUTHDATA, KRB5_AUTHDATA_AP_OPTIONS,
                static_cast<unsigned int>(items[i].size()), items[i].data()};
    list.push_back(&elems[i]);
  }
  list.push_back(nullptr);
  krb5_authdata** container = nullptr;
  EXPECT_EQ(krb5_encode_authdata_container(c, KRB5_AUTHDATA_IF_RELEVANT, list.data(), &container), 0);
  return container;
}

class Maker {
 public:
  Maker() {
    EXPECT_EQ(krb5_init_context(&c_), 0);
    EXPECT_EQ(krb5_cc_default(c_, &cc_), 0);
    krb5_creds in{};
    EXPECT_EQ(krb5_cc_get_principal(c_, cc_, &in.client), 0);
    EXPECT_EQ(krb5_parse_name(c_, "host/localhost@APX.TEST", &in.server), 0);
    EXPECT_EQ(krb5_get_credentials(c_, 0, cc_, &in, &creds_), 0);
    krb5_free_cred_contents(c_, &in);
  }
  ~Maker() {
    krb5_free_creds(c_, creds_);
    krb5_cc_close(c_, cc_);
    krb5_free_context(c_);
  }

  // The AP-REQ (unframed) for a case.
  Bytes ap_req(const Case& k) {
    krb5_auth_context ac = nullptr;
    EXPECT_EQ(krb5_auth_con_init(c_, &ac), 0);
    krb5_auth_con_setflags(c_, ac, KRB5_AUTH_CONTEXT_DO_SEQUENCE);
    CallbackData cbd{&k.body, Env{c_, ac, creds_, cc_}, {}, {}};
    krb5_data other = {KV5M_DATA, 5, const_cast<char*>("other")};
    krb5_data empty = {KV5M_DATA, 0, nullptr};
    krb5_data* in_data = nullptr;
    if (k.ck == Ck::kGss) {
      krb5_auth_con_set_req_cksumtype(c_, ac, 0x8003);
      krb5_auth_con_set_checksum_func(c_, ac, checksum_cb, &cbd);
    } else if (k.ck == Ck::kPlainEmpty) {
      in_data = &empty;
    } else if (k.ck == Ck::kPlainData) {
      in_data = &other;
    }
    krb5_authdata** ad = authdata_for(c_, k.ad);
    krb5_authdata** saved = creds_->authdata;
    // krb5_mk_req_extended puts in_creds->authdata into the authenticator.
    creds_->authdata = ad;
    krb5_data out{};
    const krb5_error_code code =
        krb5_mk_req_extended(c_, &ac, k.ap_options, in_data, creds_, &out);
    creds_->authdata = saved;
    krb5_free_authdata(c_, ad);
    EXPECT_EQ(code, 0) << k.name;
    Bytes b(out.data, out.data + out.length);
    krb5_free_data_contents(c_, &out);
    krb5_auth_con_free(c_, ac);
    return b;
  }

 private:
  krb5_context c_ = nullptr;
  krb5_ccache cc_ = nullptr;
  krb5_creds* creds_ = nullptr;
};

struct Outcome {
  OM_uint32 major = 0;
  OM_uint32 flags = 0;
  std::string reply;  // "none", "AP-REP", "KRB-ERROR", "other"
  bool delegated = false;
  std::string text;
};

std::string reply_kind(const Buffer& b, size_t oid_len) {
  if (b.b.length == 0) return "none";
  const auto bytes = b.bytes();
  // 60 len 06 oidlen oid TOK_ID ...: find TOK_ID after the OID.
  size_t at = 1 + ((bytes.size() > 1 && (bytes[1] & 0x80)) ? 1 + (bytes[1] & 0x7f) : 1);
  at += 2 + oid_len;
  if (bytes.size() < at + 2) return "other";
  if (bytes[at] == 0x02 && bytes[at + 1] == 0x00) return "AP-REP";
  if (bytes[at] == 0x03 && bytes[at + 1] == 0x00) return "KRB-ERROR";
  return "other";
}

Outcome accept(const Bytes& token, size_t oid_len, AccCb cb, bool want_deleg, gss_OID mech) {
  Outcome o;
  Ctx ctx;
  Cred deleg;
  Buffer reply;
  OM_uint32 minor = 0;
  gss_buffer_desc in = buf(token);
  o.major = gss_accept_sec_context(&minor, &ctx.h, GSS_C_NO_CREDENTIAL, &in,
                                   cb == AccCb::kA ? &bindings_a().cb : GSS_C_NO_CHANNEL_BINDINGS,
                                   nullptr, nullptr, &reply.b, &o.flags, nullptr,
                                   want_deleg ? &deleg.h : nullptr);
  o.text = minor_text(minor, mech);
  if (GSS_ERROR(o.major)) o.flags = 0;
  o.reply = reply_kind(reply, oid_len);
  o.delegated = deleg.h != GSS_C_NO_CREDENTIAL;
  return o;
}

std::string show(const Outcome& o) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "major 0x%08x flags 0x%04x reply %s%s", o.major, o.flags,
                o.reply.c_str(), o.delegated ? " delegated" : "");
  return buf;
}

std::vector<Case> cases() {
  std::vector<Case> v;
  auto gss = [&](std::string name, Body body, AccCb acc = AccCb::kNone) {
    Case k;
    k.name = std::move(name);
    k.body = std::move(body);
    k.acc_cb = acc;
    v.push_back(std::move(k));
  };
  const Bytes z = zero16();
  // The checksum kinds.
  for (auto [name, ck] : {std::pair{"NoChecksum", Ck::kNone}, {"PlainOverEmpty", Ck::kPlainEmpty},
                          {"PlainOverOtherData", Ck::kPlainData}}) {
    for (krb5_flags opts : {AP_OPTS_USE_SUBKEY | AP_OPTS_MUTUAL_REQUIRED, AP_OPTS_USE_SUBKEY}) {
      for (AccCb acc : {AccCb::kNone, AccCb::kA}) {
        Case k;
        k.name = std::string(name) + (opts & AP_OPTS_MUTUAL_REQUIRED ? "_Mutual" : "_NoMutual") +
                 (acc == AccCb::kA ? "_AcceptorBindings" : "");
        k.ck = ck;
        k.ap_options = opts;
        k.acc_cb = acc;
        v.push_back(std::move(k));
      }
    }
  }
  // 0x8003: the fixed part.
  gss("Standard", [z](const Env&) { return gss_body(16, z, kStd); });
  gss("FlagsZero", [z](const Env&) { return gss_body(16, z, 0); });
  gss("FlagsAllOnes", [z](const Env&) { return gss_body(16, z, 0xffffffff & ~GSS_C_DELEG_FLAG); });
  gss("FlagsIdentifyExtendedError", [z](const Env&) {
    return gss_body(16, z, kStd | GSS_C_IDENTIFY_FLAG | GSS_C_EXTENDED_ERROR_FLAG);
  });
  gss("FlagsWithoutMutual", [z](const Env&) { return gss_body(16, z, kStd & ~GSS_C_MUTUAL_FLAG); });
  gss("DceStyleFramed", [z](const Env&) { return gss_body(16, z, kStd | GSS_C_DCE_STYLE); });
  for (uint32_t lgth : {0u, 15u, 17u, 0x10000010u, 0xffffffffu})
    gss("Lgth" + std::to_string(lgth), [z, lgth](const Env&) { return gss_body(lgth, z, kStd); });
  for (size_t len : {0u, 1u, 4u, 20u, 23u})
    gss("TruncatedTo" + std::to_string(len), [z, len](const Env&) {
      Bytes b = gss_body(16, z, kStd);
      b.resize(len);
      return b;
    });
  // Channel bindings.
  const Bytes ha = bindings_a().hash(), hb = bindings_b().hash();
  Bytes garbage(16, 0x5a);
  gss("BindingsZero_AcceptorNone", [z](const Env&) { return gss_body(16, z, kStd); });
  gss("BindingsZero_AcceptorA", [z](const Env&) { return gss_body(16, z, kStd); }, AccCb::kA);
  gss("BindingsA_AcceptorA", [ha](const Env&) { return gss_body(16, ha, kStd); }, AccCb::kA);
  gss("BindingsB_AcceptorA", [hb](const Env&) { return gss_body(16, hb, kStd); }, AccCb::kA);
  gss("BindingsA_AcceptorNone", [ha](const Env&) { return gss_body(16, ha, kStd); });
  gss("BindingsGarbage_AcceptorNone", [garbage](const Env&) { return gss_body(16, garbage, kStd); });
  gss("BindingsB_Truncated23_AcceptorA", [hb](const Env&) {
    Bytes b = gss_body(16, hb, kStd);
    b.resize(23);
    return b;
  }, AccCb::kA);
  gss("BindingsB_BadDeleg_AcceptorA", [hb](const Env&) {
    return gss_body(16, hb, kStd | GSS_C_DELEG_FLAG, deleg_field(1, 200, {1, 2}));
  }, AccCb::kA);
  // Delegation.
  const uint32_t kDeleg = kStd | GSS_C_DELEG_FLAG;
  gss("DelegReal", [](const Env& e) {
    const Bytes kc = e.krb_cred();
    return gss_body(16, zero16(), kDeleg, deleg_field(1, static_cast<uint16_t>(kc.size()), kc));
  });
  gss("DelegFlagNoField", [z](const Env&) { return gss_body(16, z, kDeleg); });
  for (size_t n : {1u, 2u, 3u})
    gss("DelegFlag" + std::to_string(n) + "TrailingOctets",
        [z, n](const Env&) { return gss_body(16, z, kDeleg, Bytes(n, 1)); });
  gss("DelegDlgthBeyondEnd", [](const Env& e) {
    const Bytes kc = e.krb_cred();
    return gss_body(16, zero16(), kDeleg, deleg_field(1, static_cast<uint16_t>(kc.size() + 1), kc));
  });
  gss("DelegDlgOpt2", [](const Env& e) {
    const Bytes kc = e.krb_cred();
    return gss_body(16, zero16(), kDeleg, deleg_field(2, static_cast<uint16_t>(kc.size()), kc));
  });
  gss("DelegDlgthZero", [z](const Env&) { return gss_body(16, z, kDeleg, deleg_field(1, 0, {})); });
  gss("DelegGarbage", [z](const Env&) {
    return gss_body(16, z, kDeleg, deleg_field(1, 8, {0x76, 0x06, 0x30, 0x04, 0xa0, 0x02, 0x05, 0x00}));
  });
  gss("DelegCutKrbCred", [](const Env& e) {
    Bytes kc = e.krb_cred();
    kc.resize(kc.size() / 2);
    return gss_body(16, zero16(), kDeleg, deleg_field(1, static_cast<uint16_t>(kc.size()), kc));
  });
  gss("DelegFieldWithoutFlag", [](const Env& e) {
    const Bytes kc = e.krb_cred();
    return gss_body(16, zero16(), kStd, deleg_field(1, static_cast<uint16_t>(kc.size()), kc));
  });
  {
    Case k;
    k.name = "DelegRealNotAskedFor";
    k.body = [](const Env& e) {
      const Bytes kc = e.krb_cred();
      return gss_body(16, zero16(), kDeleg, deleg_field(1, static_cast<uint16_t>(kc.size()), kc));
    };
    k.want_deleg = false;
    v.push_back(std::move(k));
    Case g;
    g.name = "DelegGarbageNotAskedFor";
    g.body = [](const Env&) { return gss_body(16, zero16(), kDeleg, deleg_field(1, 4, {1, 2, 3, 4})); };
    g.want_deleg = false;
    v.push_back(std::move(g));
  }
  // Extensions after the fixed fields (4-octet big-endian type and length).
  gss("ExtUnknown", [z](const Env&) { return gss_body(16, z, kStd, ext(7, 2, {0xca, 0xfe})); });
  gss("ExtEmpty", [z](const Env&) { return gss_body(16, z, kStd, ext(9, 0, {})); });
  gss("ExtTwo", [z](const Env&) {
    Bytes t = ext(7, 1, {1});
    append(t, ext(8, 3, {1, 2, 3}));
    return gss_body(16, z, kStd, t);
  });
  gss("ExtIakerbFinished", [z](const Env&) { return gss_body(16, z, kStd, ext(1, 4, {1, 2, 3, 4})); });
  gss("ExtType2", [z](const Env&) { return gss_body(16, z, kStd, ext(2, 4, {1, 2, 3, 4})); });
  gss("ExtTypeMax", [z](const Env&) { return gss_body(16, z, kStd, ext(0xffffffffu, 1, {1})); });
  gss("ExtCutHeader", [z](const Env&) { return gss_body(16, z, kStd, Bytes{0, 0, 0, 7, 0, 0}); });
  gss("ExtLengthBeyondEnd", [z](const Env&) { return gss_body(16, z, kStd, ext(7, 9, {1, 2})); });
  gss("ExtLengthHuge", [z](const Env&) { return gss_body(16, z, kStd, ext(7, 0xfffffff8u, {1})); });
  gss("ExtAfterDeleg", [](const Env& e) {
    const Bytes kc = e.krb_cred();
    Bytes t = deleg_field(1, static_cast<uint16_t>(kc.size()), kc);
    append(t, ext(7, 2, {1, 2}));
    return gss_body(16, zero16(), kDeleg, t);
  });
  gss("ExtCutAfterDeleg", [](const Env& e) {
    const Bytes kc = e.krb_cred();
    Bytes t = deleg_field(1, static_cast<uint16_t>(kc.size()), kc);
    append(t, Bytes{0, 0, 0});
    return gss_body(16, zero16(), kDeleg, t);
  });
  // AD-AP-OPTIONS (MS-KILE's channel-binding requirement).
  for (auto [adname, ad] : {std::pair{"Cbt", Ad::kCbt}, {"NoCbtBit", Ad::kNoCbt},
                            {"ShortOptions", Ad::kShort}, {"OptionsTwice", Ad::kTwice}}) {
    struct Variant {
      const char* name;
      Bytes bnd;
      AccCb acc;
      Ck ck;
    };
    for (const Variant& var : {Variant{"ZeroBindings_AcceptorA", z, AccCb::kA, Ck::kGss},
                               Variant{"BindingsA_AcceptorA", ha, AccCb::kA, Ck::kGss},
                               Variant{"ZeroBindings_AcceptorNone", z, AccCb::kNone, Ck::kGss},
                               Variant{"NoChecksum_AcceptorA", z, AccCb::kA, Ck::kNone},
                               Variant{"PlainChecksum_AcceptorA", z, AccCb::kA, Ck::kPlainEmpty}}) {
      Case k;
      k.name = std::string(adname) + "_" + var.name;
      k.ck = var.ck;
      k.ad = ad;
      k.acc_cb = var.acc;
      const Bytes bnd = var.bnd;
      k.body = [bnd](const Env&) { return gss_body(16, bnd, kStd); };
      v.push_back(std::move(k));
    }
  }
  return v;
}

class AuthenticatorDiff : public testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    Realm::shared();
    // Each AP-REQ goes to both mechanisms: no replay cache in this process.
    setenv("KRB5RCACHETYPE", "none", 1);
  }
};

TEST_P(AuthenticatorDiff, ApxDecidesAsMit) {
  const Case& k = GetParam();
  static Maker* maker = new Maker();  // one ticket for the whole suite
  const Bytes ap_req = maker->ap_req(k);
  ASSERT_FALSE(ap_req.empty());
  const Outcome mit = accept(frame(kKrb5Der, sizeof kKrb5Der, ap_req), sizeof kKrb5Der, k.acc_cb,
                             k.want_deleg, const_cast<gss_OID>(&kKrb5Oid));
  const Outcome apx = accept(frame(reinterpret_cast<const uint8_t*>(APX_MECH_OID_DER),
                                   APX_MECH_OID_LENGTH, ap_req),
                             APX_MECH_OID_LENGTH, k.acc_cb, k.want_deleg, &kApx);
  std::printf("  %-44s MIT %s | apx %s\n", k.name.c_str(), show(mit).c_str(), show(apx).c_str());
  EXPECT_EQ(apx.major, mit.major) << "MIT: " << mit.text << "\napx: " << apx.text;
  EXPECT_EQ(apx.flags, mit.flags);
  EXPECT_EQ(apx.reply, mit.reply);
  EXPECT_EQ(apx.delegated, mit.delegated);
}

INSTANTIATE_TEST_SUITE_P(Authenticators, AuthenticatorDiff, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& i) { return i.param.name; });

// The other side of the same rule: an initiator configured with krb5.conf's
// client_aware_channel_bindings asserts KERB_AP_OPTIONS_CBT (libkrb5 adds it to the
// authenticator), so an acceptor with bindings refuses it when it sent none. apx's
// initiator and MIT's, each against its own acceptor, must agree.
struct AwareOutcome {
  OM_uint32 major = 0, flags = 0;
};

AwareOutcome aware_exchange(gss_OID mech, bool init_bindings) {
  AwareOutcome o;
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  Ctx ic, ac;
  Buffer tok, rep;
  OM_uint32 minor = 0;
  const OM_uint32 im = gss_init_sec_context(
      &minor, GSS_C_NO_CREDENTIAL, &ic.h, target.h, mech, GSS_C_MUTUAL_FLAG, 0,
      init_bindings ? &bindings_a().cb : GSS_C_NO_CHANNEL_BINDINGS, nullptr, nullptr, &tok.b,
      nullptr, nullptr);
  EXPECT_EQ(im, GSS_S_CONTINUE_NEEDED) << minor_text(minor, mech);
  o.major = gss_accept_sec_context(&minor, &ac.h, GSS_C_NO_CREDENTIAL, &tok.b, &bindings_a().cb,
                                   nullptr, nullptr, &rep.b, &o.flags, nullptr, nullptr);
  return o;
}

TEST(ClientAwareBindings, InitiatorAssertsCbtAndAcceptorsAgree) {
  Realm& realm = Realm::shared();
  setenv("KRB5RCACHETYPE", "none", 1);
  const std::string aware = realm.dir() + "/client-aware.conf";
  FILE* f = std::fopen(aware.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("[libdefaults]\n    client_aware_channel_bindings = true\n", f);
  std::fclose(f);
  const std::string saved = std::getenv("KRB5_CONFIG");
  setenv("KRB5_CONFIG", (aware + ":" + saved).c_str(), 1);
  for (bool with : {false, true}) {
    SCOPED_TRACE(with ? "initiator with bindings" : "initiator without bindings");
    const AwareOutcome mit = aware_exchange(const_cast<gss_OID>(&kKrb5Oid), with);
    const AwareOutcome apx = aware_exchange(&kApx, with);
    EXPECT_EQ(mit.major, with ? GSS_S_COMPLETE : GSS_S_BAD_BINDINGS);
    EXPECT_EQ(apx.major, mit.major);
    EXPECT_EQ(apx.flags, mit.flags);
  }
  setenv("KRB5_CONFIG", saved.c_str(), 1);
}

}  // namespace
}  // namespace apx::test
