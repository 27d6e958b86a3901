// Queries on established contexts, with apx under its own OID beside MIT's built-in
// mechanism in one process (standalone mode): SASL SSF, session key, lucid export, and
// gss_pseudo_random — the last also against MIT's output for the same keys.
#include <gtest/gtest.h>

#include <cstring>

#include "core/protection.h"
#include "gssapi/gssapi_apx.h"
#include "kdc/gss_helpers.h"
#include "support/realm.h"

namespace apx::test {
namespace {

gss_OID_desc kApxOid = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};

struct Pair {
  Ctx init, acc;
};

void establish(gss_OID mech, Pair& p, const char* target = "sha1@localhost") {
  Name t = import(target, GSS_C_NT_HOSTBASED_SERVICE);
  OM_uint32 minor, major;
  Buffer tok;
  major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &p.init.h, t.h, mech,
                               GSS_C_MUTUAL_FLAG, 0, nullptr, nullptr, nullptr, &tok.b, nullptr,
                               nullptr);
  ASSERT_EQ(major, GSS_S_CONTINUE_NEEDED) << minor_text(minor, mech);
  Buffer rep;
  gss_OID actual = GSS_C_NO_OID;
  major = gss_accept_sec_context(&minor, &p.acc.h, GSS_C_NO_CREDENTIAL, &tok.b, nullptr, nullptr,
                                 &actual, &rep.b, nullptr, nullptr, nullptr);
  ASSERT_EQ(major, GSS_S_COMPLETE) << minor_text(minor, mech);
  ASSERT_TRUE(gss_oid_equal(actual, mech));
  Buffer none;
  major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &p.init.h, t.h, mech,
                               GSS_C_MUTUAL_FLAG, 0, nullptr, &rep.b, nullptr, &none.b, nullptr,
                               nullptr);
  ASSERT_EQ(major, GSS_S_COMPLETE) << minor_text(minor, mech);
}

std::vector<std::vector<uint8_t>> query(gss_ctx_id_t ctx, gss_OID oid) {
  OM_uint32 minor;
  gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
  std::vector<std::vector<uint8_t>> out;
  if (gss_inquire_sec_context_by_oid(&minor, ctx, oid, &set) != GSS_S_COMPLETE) return out;
  for (size_t i = 0; i < set->count; ++i) {
    auto* p = static_cast<uint8_t*>(set->elements[i].value);
    out.emplace_back(p, p + set->elements[i].length);
  }
  gss_release_buffer_set(&minor, &set);
  return out;
}

std::vector<uint8_t> prf(gss_ctx_id_t ctx, int key, const std::string& in, ssize_t len) {
  OM_uint32 minor;
  Buffer out;
  gss_buffer_desc b = buf(in);
  EXPECT_EQ(gss_pseudo_random(&minor, ctx, key, &b, len, &out.b), GSS_S_COMPLETE);
  return out.bytes();
}

TEST(Queries, SsfAndSessionKeyAgreeOnBothSides) {
  Pair p;
  establish(&kApxOid, p);
  gss_OID_desc ssf_oid = {11, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x0f")};
  for (gss_ctx_id_t c : {p.init.h, p.acc.h}) {
    auto ssf = query(c, &ssf_oid);
    ASSERT_EQ(ssf.size(), 1u);
    EXPECT_EQ(ssf[0], (std::vector<uint8_t>{0, 0, 1, 0}));  // 256 bits, big-endian
  }
  auto ki = query(p.init.h, const_cast<gss_OID>(GSS_C_INQ_SSPI_SESSION_KEY));
  auto ka = query(p.acc.h, const_cast<gss_OID>(GSS_C_INQ_SSPI_SESSION_KEY));
  ASSERT_EQ(ki.size(), 2u);
  EXPECT_EQ(ki, ka);
  EXPECT_EQ(ki[0].size(), 32u);
  // MIT's enctype OID: 1.2.840.113554.1.2.2.4.<enctype> (18 = aes256-cts-hmac-sha1-96).
  EXPECT_EQ(ki[1], (std::vector<uint8_t>{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02,
                                         0x04, 18}));
}

TEST(Queries, LucidContextsMatchAcrossTheTwoSides) {
  Pair p;
  establish(&kApxOid, p, "sha2@localhost");
  OM_uint32 minor;
  void* li = nullptr;
  void* la = nullptr;
  ASSERT_EQ(gss_krb5_export_lucid_sec_context(&minor, &p.init.h, 1, &li), GSS_S_COMPLETE);
  ASSERT_EQ(gss_krb5_export_lucid_sec_context(&minor, &p.acc.h, 1, &la), GSS_S_COMPLETE);
  auto* i = static_cast<gss_krb5_lucid_context_v1_t*>(li);
  auto* a = static_cast<gss_krb5_lucid_context_v1_t*>(la);
  EXPECT_EQ(i->version, 1u);
  EXPECT_EQ(i->initiate, 1u);
  EXPECT_EQ(a->initiate, 0u);
  EXPECT_EQ(i->protocol, 1u);
  EXPECT_EQ(i->send_seq, a->recv_seq);
  EXPECT_EQ(a->send_seq, i->recv_seq);
  EXPECT_EQ(i->cfx_kd.have_acceptor_subkey, 1u);
  EXPECT_EQ(i->cfx_kd.acceptor_subkey.type, a->cfx_kd.acceptor_subkey.type);
  EXPECT_EQ(i->cfx_kd.ctx_key.type, a->cfx_kd.ctx_key.type);
  ASSERT_EQ(i->cfx_kd.acceptor_subkey.length, a->cfx_kd.acceptor_subkey.length);
  EXPECT_EQ(std::memcmp(i->cfx_kd.acceptor_subkey.data, a->cfx_kd.acceptor_subkey.data,
                        i->cfx_kd.acceptor_subkey.length),
            0);
  EXPECT_EQ(gss_krb5_free_lucid_sec_context(&minor, li), GSS_S_COMPLETE);
  EXPECT_EQ(gss_krb5_free_lucid_sec_context(&minor, la), GSS_S_COMPLETE);
}

TEST(Queries, PseudoRandomMatchesThePeerAndMit) {
  // apx on both ends: the two sides derive the same bytes.
  Pair apx_pair;
  establish(&kApxOid, apx_pair);
  for (int key : {GSS_C_PRF_KEY_FULL, GSS_C_PRF_KEY_PARTIAL})
    for (ssize_t len : {1, 16, 20, 61, 200})
      EXPECT_EQ(prf(apx_pair.init.h, key, "apx-prf", len), prf(apx_pair.acc.h, key, "apx-prf", len));

  // MIT on both ends, then apx's PRF+ with MIT's keys (from its lucid export).
  for (const char* target : {"sha1@localhost", "sha2@localhost"}) {
    Pair mit;
    establish(&kKrb5Oid, mit, target);
    const auto full = prf(mit.init.h, GSS_C_PRF_KEY_FULL, "input", 100);
    const auto partial = prf(mit.init.h, GSS_C_PRF_KEY_PARTIAL, "input", 100);
    OM_uint32 minor;
    void* lp = nullptr;
    ASSERT_EQ(gss_krb5_export_lucid_sec_context(&minor, &mit.init.h, 1, &lp), GSS_S_COMPLETE);
    auto* l = static_cast<gss_krb5_lucid_context_v1_t*>(lp);
    core::ProtectionKeys keys;
    keys.context_key = {static_cast<uint8_t*>(l->cfx_kd.ctx_key.data), l->cfx_kd.ctx_key.length};
    keys.context_enctype = static_cast<int32_t>(l->cfx_kd.ctx_key.type);
    keys.acceptor_subkey = {static_cast<uint8_t*>(l->cfx_kd.acceptor_subkey.data),
                            l->cfx_kd.acceptor_subkey.length};
    keys.acceptor_enctype = static_cast<int32_t>(l->cfx_kd.acceptor_subkey.type);
    core::Protection ours(true, 0, keys, l->send_seq, l->recv_seq);
    std::vector<uint8_t> got(100);
    const std::string in = "input";
    const std::span<const uint8_t> in_bytes(reinterpret_cast<const uint8_t*>(in.data()), in.size());
    ASSERT_TRUE(ours.prf_plus(true, in_bytes, got).ok());
    EXPECT_EQ(got, full) << target;
    ASSERT_TRUE(ours.prf_plus(false, in_bytes, got).ok());
    EXPECT_EQ(got, partial) << target;
    gss_krb5_free_lucid_sec_context(&minor, lp);
  }
}

}  // namespace
}  // namespace apx::test

namespace apx::test {
namespace {

TEST(Queries, ExportedContextsKeepWorkingAfterImport) {
  Pair p;
  establish(&kApxOid, p, "sha2@localhost");
  OM_uint32 minor;
  // Traffic before the export, so sequence state has something to carry.
  const std::string before = "before export", after = "after import";
  gss_buffer_desc msg = buf(before);
  Buffer w1;
  ASSERT_EQ(gss_wrap(&minor, p.init.h, 1, 0, &msg, nullptr, &w1.b), GSS_S_COMPLETE);
  Buffer plain1;
  ASSERT_EQ(gss_unwrap(&minor, p.acc.h, &w1.b, &plain1.b, nullptr, nullptr), GSS_S_COMPLETE);

  Buffer ti, ta;
  ASSERT_EQ(gss_export_sec_context(&minor, &p.init.h, &ti.b), GSS_S_COMPLETE) << minor_text(minor, &kApxOid);
  ASSERT_EQ(gss_export_sec_context(&minor, &p.acc.h, &ta.b), GSS_S_COMPLETE);
  EXPECT_EQ(p.init.h, GSS_C_NO_CONTEXT);
  Ctx ii, ia;
  ASSERT_EQ(gss_import_sec_context(&minor, &ti.b, &ii.h), GSS_S_COMPLETE) << minor_text(minor, &kApxOid);
  ASSERT_EQ(gss_import_sec_context(&minor, &ta.b, &ia.h), GSS_S_COMPLETE);

  for (auto [from, to] : {std::pair{&ii, &ia}, std::pair{&ia, &ii}}) {
    gss_buffer_desc m = buf(after);
    Buffer w, out;
    ASSERT_EQ(gss_wrap(&minor, from->h, 1, 0, &m, nullptr, &w.b), GSS_S_COMPLETE);
    ASSERT_EQ(gss_unwrap(&minor, to->h, &w.b, &out.b, nullptr, nullptr), GSS_S_COMPLETE)
        << minor_text(minor, &kApxOid);
    EXPECT_EQ(out.str(), "after import");
  }
  Name src;
  int local = -1;
  ASSERT_EQ(gss_inquire_context(&minor, ia.h, &src.h, nullptr, nullptr, nullptr, nullptr, &local,
                                nullptr),
            GSS_S_COMPLETE);
  EXPECT_EQ(local, 0);
  Buffer shown;
  gss_display_name(&minor, src.h, &shown.b, nullptr);
  EXPECT_EQ(shown.str(), Realm::shared().user_principal());
}

TEST(Queries, DamagedExportTokensAreRefused) {
  Pair p;
  establish(&kApxOid, p);
  OM_uint32 minor;
  Buffer t;
  ASSERT_EQ(gss_export_sec_context(&minor, &p.init.h, &t.b), GSS_S_COMPLETE);
  const auto token = t.bytes();
  for (size_t n = 1; n < token.size(); ++n) {
    std::vector<uint8_t> cut(token.begin(), token.begin() + static_cast<long>(n));
    gss_buffer_desc b = buf(cut);
    Ctx c;
    EXPECT_TRUE(GSS_ERROR(gss_import_sec_context(&minor, &b, &c.h))) << n;
  }
}

}  // namespace
}  // namespace apx::test
