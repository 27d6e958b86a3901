// Every buffer apx frees that held key material is wiped first (finding 8 of the
// independent review: gss_export_sec_context freed its heap copy of the keys as it was).
// The binary replaces free() (free_hook.c): while armed, each freed block is searched for
// the keys of a context imported from a known token. The context is made from the token
// rather than by a KDC, so every key is known in advance.
#include <dlfcn.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_apx.h>
#include <gssapi/gssapi_ext.h>
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <array>
#include <cstring>
#include <initializer_list>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/secret_bytes.h"
#include "core/context.h"
#include "core/exported_context.h"
#include "crypto/kdf.h"
#include "crypto/profile.h"
#include "crypto/usage_keys.h"
#include "free_hook.h"

namespace apx::core {
namespace {

std::vector<uint8_t> random_key(uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(32);
  for (uint8_t& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// Watches both halves of each key (a partial copy counts too), and only these: a block
// freed earlier by another test may still hold that test's keys in its slack.
void watch_only(std::initializer_list<const std::vector<uint8_t>*> keys) {
  apx_free_hook_forget();
  for (const auto* k : keys)
    for (size_t at : {size_t{0}, size_t{16}}) ASSERT_TRUE(apx_free_hook_watch(k->data() + at, 16));
}

// Three distinct aes256 keys.
struct Keys {
  std::vector<uint8_t> context = random_key(1);
  std::vector<uint8_t> acceptor = random_key(2);
  std::vector<uint8_t> session = random_key(3);

  Keys() { watch_only({&context, &acceptor, &session}); }
  // The test's own copies go wiped too, or their stale bytes would turn up in the slack of
  // blocks another test frees.
  ~Keys() {
    for (auto* k : {&context, &acceptor, &session}) OPENSSL_cleanse(k->data(), k->size());
  }
  Keys(const Keys&) = delete;
  Keys& operator=(const Keys&) = delete;
};

// An established acceptor context of the standalone mechanism with all three keys.
base::SecretBytes exported_token(const Keys& k) {
  ExportedContext c;
  c.initiator = false;
  c.mech = 3;  // kMechApx in context_export.cc's table
  c.flags = GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;
  c.endtime = 0x7fffff00;
  c.initiator_name = "alice@APX.TEST";
  c.acceptor_name = "host/server.apx.test@APX.TEST";
  c.context_key = {18, k.context};
  c.acceptor_subkey = {18, k.acceptor};
  c.session_key = {18, k.session};
  auto t = encode_exported_context(c);
  EXPECT_TRUE(t.has_value());
  return t ? base::SecretBytes({t->data(), t->size()}) : base::SecretBytes();
}

TEST(FreeHook, SeesAKeyFreedUnwipedAndNotAWipedOne) {
  const std::vector<uint8_t> key = random_key(99);  // freed unwiped here: no other test's
  watch_only({&key});
  auto* plain = new std::vector<uint8_t>(key);
  auto* secret = new base::SecretBytes(key);
  apx_free_hook_start();
  delete plain;
  const long plain_hits = apx_free_hook_stop();
  apx_free_hook_start();
  delete secret;
  const long secret_hits = apx_free_hook_stop();
  EXPECT_EQ(plain_hits, 2);  // both halves of the key
  EXPECT_EQ(secret_hits, 0);
}

// Context::import_token, export_token, prf_plus and the destructor.
TEST(KeyWipe, ContextExportImportAndPrf) {
  const Keys k;
  const base::SecretBytes token = exported_token(k);
  const std::array<uint8_t, 5> input{'s', 'e', 'e', 'd', '!'};
  bool imported = false, exported = false, prf = false;
  apx_free_hook_start();
  {
    auto ctx = Context::import_token(token.span());
    imported = ctx.has_value();
    if (imported) {
      exported = (*ctx)->export_token().has_value();  // the token is freed here
      std::array<uint8_t, 100> out{};
      prf = (*ctx)->protection()->prf_plus(true, input, out).ok() &&
            (*ctx)->protection()->prf_plus(false, input, out).ok();
      OPENSSL_cleanse(out.data(), out.size());
    }
  }
  const long hits = apx_free_hook_stop();
  EXPECT_TRUE(imported && exported && prf);
  EXPECT_EQ(hits, 0) << "freed blocks that still held a key";
}

// The derived keys a context schedules (Ke, Ki, Kc of one usage, RFC 3961 §5.3) are gone
// from the heap once the keys are: OpenSSL's cipher and MAC contexts wipe what they free.
// Every enctype family: SHA-1 and SHA-2 HMAC, CMAC.
TEST(KeyWipe, ScheduledUsageKeys) {
  for (int32_t enctype : {18, 20, 26}) {
    SCOPED_TRACE(enctype);
    const crypto::Profile* p = crypto::find_profile(enctype);
    ASSERT_NE(p, nullptr);
    Keys k;
    const std::span<const uint8_t> base(k.context.data(), p->key_size);
    std::vector<std::vector<uint8_t>> derived;
    for (auto kind : {crypto::UsageKeyKind::ke, crypto::UsageKeyKind::ki, crypto::UsageKeyKind::kc}) {
      auto d = crypto::derive_usage_key(*p, base, 24, kind);
      ASSERT_TRUE(d.has_value());
      derived.emplace_back(d->span().begin(), d->span().begin() + 16);
    }
    apx_free_hook_forget();
    ASSERT_TRUE(apx_free_hook_watch(base.data(), 16));
    for (const auto& d : derived) ASSERT_TRUE(apx_free_hook_watch(d.data(), d.size()));
    bool sealed = false, opened = false, signed_ = false;
    apx_free_hook_start();
    {
      auto keys = crypto::UsageKeys::derive(*p, base, 24);
      if (keys.has_value()) {
        std::vector<uint8_t> header(p->confounder_size), data(40, 7), trailer(p->checksum_size);
        const crypto::CryptoIov iov[] = {{crypto::IovKind::header, header},
                                         {crypto::IovKind::data, data},
                                         {crypto::IovKind::trailer, trailer}};
        sealed = keys->encrypt_iov(iov).ok();
        opened = keys->decrypt_iov(iov).ok();
        const crypto::CryptoIov mic[] = {{crypto::IovKind::data, data},
                                         {crypto::IovKind::trailer, trailer}};
        signed_ = keys->make_checksum_iov(mic).ok();
      }
    }
    const long hits = apx_free_hook_stop();
    for (auto& d : derived) OPENSSL_cleanse(d.data(), d.size());
    EXPECT_TRUE(sealed && opened && signed_);
    EXPECT_EQ(hits, 0) << "freed blocks that still held a key";
  }
}

// The module's C entry points, loaded with dlopen and called directly.
class Module {
 public:
  Module() : h_(dlopen(APX_MODULE_PATH, RTLD_NOW | RTLD_LOCAL)) {
    if (h_ == nullptr) throw std::runtime_error(std::string("dlopen: ") + dlerror());
  }
  ~Module() { dlclose(h_); }
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  template <class F>
  F sym(const char* name) const {
    void* p = dlsym(h_, name);
    if (p == nullptr) throw std::runtime_error(std::string("missing ") + name);
    return reinterpret_cast<F>(p);
  }

 private:
  void* h_;
};

void wipe_and_free(gss_buffer_desc& b) {
  if (b.value != nullptr) OPENSSL_cleanse(b.value, b.length);
  free(b.value);
  b = GSS_C_EMPTY_BUFFER;
}

void wipe_and_free(gss_buffer_set_t& s) {
  if (s == GSS_C_NO_BUFFER_SET) return;
  for (size_t i = 0; i < s->count; ++i) wipe_and_free(s->elements[i]);
  free(s->elements);
  free(s);
  s = GSS_C_NO_BUFFER_SET;
}

// gss_import_sec_context, gss_export_sec_context (its copy of the token), the session key
// and lucid queries, gss_pseudo_random, gss_delete_sec_context.
TEST(KeyWipe, ModuleEntryPoints) {
  const Module m;
  const auto import_ctx = m.sym<decltype(&gss_import_sec_context)>("gss_import_sec_context");
  const auto export_ctx = m.sym<decltype(&gss_export_sec_context)>("gss_export_sec_context");
  const auto inquire = m.sym<decltype(&gss_inquire_sec_context_by_oid)>(
      "gss_inquire_sec_context_by_oid");
  const auto prf = m.sym<decltype(&gss_pseudo_random)>("gss_pseudo_random");
  const auto delete_ctx = m.sym<decltype(&gss_delete_sec_context)>("gss_delete_sec_context");
  using MechInvoke = OM_uint32 (*)(OM_uint32*, const gss_OID, const gss_OID, gss_buffer_t);
  const auto mech_invoke = m.sym<MechInvoke>("gssspi_mech_invoke");
  gss_OID_desc apx_oid = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};
  gss_OID_desc session_key_oid = {11, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x05")};
  gss_OID_desc lucid_oid = {12, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x06\x01")};
  gss_OID_desc free_lucid_oid = {11, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x07")};

  const Keys k;
  const base::SecretBytes token = exported_token(k);
  gss_buffer_desc in = {token.size(), const_cast<uint8_t*>(token.data())};
  gss_buffer_desc exported = GSS_C_EMPTY_BUFFER, prf_out = GSS_C_EMPTY_BUFFER;
  gss_buffer_desc seed = {4, const_cast<char*>("seed")};
  gss_buffer_set_t session = GSS_C_NO_BUFFER_SET, lucid = GSS_C_NO_BUFFER_SET;
  OM_uint32 minor = 0;
  std::vector<OM_uint32> majors;
  gss_ctx_id_t first = GSS_C_NO_CONTEXT, second = GSS_C_NO_CONTEXT;
  apx_free_hook_start();
  majors.push_back(import_ctx(&minor, &in, &first));
  majors.push_back(export_ctx(&minor, &first, &exported));
  majors.push_back(import_ctx(&minor, &exported, &second));
  majors.push_back(inquire(&minor, second, &session_key_oid, &session));
  majors.push_back(inquire(&minor, second, &lucid_oid, &lucid));
  if (lucid != GSS_C_NO_BUFFER_SET && lucid->count == 1) {
    void* l = nullptr;
    std::memcpy(&l, lucid->elements[0].value, sizeof l);
    gss_buffer_desc v = {sizeof l, l};
    majors.push_back(mech_invoke(&minor, &apx_oid, &free_lucid_oid, &v));
  }
  majors.push_back(prf(&minor, second, GSS_C_PRF_KEY_FULL, &seed, 64, &prf_out));
  majors.push_back(delete_ctx(&minor, &second, GSS_C_NO_BUFFER));
  const long hits = apx_free_hook_stop();
  wipe_and_free(exported);
  wipe_and_free(prf_out);
  wipe_and_free(session);
  wipe_and_free(lucid);
  EXPECT_EQ(majors, std::vector<OM_uint32>(8, GSS_S_COMPLETE));
  EXPECT_EQ(hits, 0) << "freed blocks that still held a key";
}

}  // namespace
}  // namespace apx::core
