// The plugin as a shared object: what it exports, and how it meets hostile initial
// tokens when called directly.
#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <vector>

#include "kdc/module.h"
#include "support/realm.h"

namespace apx::test {
namespace {

gss_OID_desc kKrb5 = {9, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02")};
// Without libgssapi_krb5 linked, the name type constants are ours to spell.
gss_OID_desc kHostbased = {10, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04")};

// Global, defined function symbols of the module's dynamic symbol table.
std::set<std::string> exported_functions(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> img((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::set<std::string> out;
  if (img.size() < sizeof(Elf64_Ehdr)) return out;
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(img.data());
  const auto* sh = reinterpret_cast<const Elf64_Shdr*>(img.data() + eh->e_shoff);
  for (int i = 0; i < eh->e_shnum; ++i) {
    if (sh[i].sh_type != SHT_DYNSYM) continue;
    const char* strtab = img.data() + sh[sh[i].sh_link].sh_offset;
    const auto* syms = reinterpret_cast<const Elf64_Sym*>(img.data() + sh[i].sh_offset);
    for (size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); ++k) {
      if (syms[k].st_shndx == SHN_UNDEF || ELF64_ST_BIND(syms[k].st_info) == STB_LOCAL) continue;
      if (ELF64_ST_TYPE(syms[k].st_info) != STT_FUNC) continue;
      out.insert(strtab + syms[k].st_name);
    }
  }
  return out;
}

TEST(Module, ExportsExactlyTheTwoTables) {
  Module m;  // RTLD_NOW: every reference resolves
  const auto names = exported_functions(APX_MODULE_PATH);
  ASSERT_FALSE(names.empty());
  for (const std::string& n : names) {
    const bool ours = n == "gss_mech_interposer" || n.rfind("gssi_", 0) == 0 ||
                      n.rfind("gss_", 0) == 0 || n.rfind("gssspi_", 0) == 0;
    EXPECT_TRUE(ours) << "unexpected export " << n;
  }
  EXPECT_EQ(names.count("gss_mech_initialize"), 0u);
  for (const char* must :
       {"gss_mech_interposer", "gssi_init_sec_context", "gssi_accept_sec_context",
        "gssi_import_name", "gssi_import_name_by_mech", "gssi_display_name", "gssi_display_status",
        "gssi_acquire_cred", "gssi_acquire_cred_from", "gssi_release_cred", "gssi_inquire_cred",
        "gssi_inquire_cred_by_mech", "gssi_set_cred_option", "gssi_mech_invoke",
        "gssi_inquire_attrs_for_mech", "gssi_internal_release_oid", "gssi_delete_sec_context",
        "gssi_context_time", "gssi_inquire_context", "gssi_process_context_token",
        "gssi_export_name", "gssi_compare_name", "gssi_duplicate_name",
        "gssi_inquire_names_for_mech", "gss_init_sec_context", "gss_accept_sec_context",
        "gss_import_name", "gss_display_name", "gss_acquire_cred", "gss_internal_release_oid",
        "gssspi_set_cred_option", "gssspi_mech_invoke", "gssspi_import_name_by_mech",
        "gssi_export_cred", "gssi_import_cred", "gssi_import_cred_by_mech", "gss_export_cred",
        "gss_import_cred", "gssspi_import_cred_by_mech"}) {
    EXPECT_EQ(names.count(must), 1u) << must;
    EXPECT_NE(dlsym(m.handle(), must), nullptr) << must;
  }
}

class Hostile : public testing::Test {
 protected:
  static void SetUpTestSuite() { Realm::shared(); }

  // A real AP-REQ token from the module's own initiator.
  std::vector<uint8_t> real_token(OM_uint32 flags) {
    OM_uint32 minor;
    gss_name_t target = GSS_C_NO_NAME;
    gss_buffer_desc t = {14, const_cast<char*>("host@localhost")};
    EXPECT_EQ(m.import_name(&minor, &t, &kHostbased, &target), GSS_S_COMPLETE);
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    const OM_uint32 major = m.init(&minor, GSS_C_NO_CREDENTIAL, &ctx, target, &kKrb5, flags, 0,
                                   nullptr, nullptr, nullptr, &out, nullptr, nullptr);
    EXPECT_FALSE(GSS_ERROR(major));
    std::vector<uint8_t> token(static_cast<uint8_t*>(out.value),
                               static_cast<uint8_t*>(out.value) + out.length);
    free(out.value);
    m.release_name(&minor, &target);
    if (ctx != GSS_C_NO_CONTEXT) m.delete_ctx(&minor, &ctx, nullptr);
    return token;
  }

  // Accepts `token`; returns the major status. Output buffers are released.
  OM_uint32 accept(const std::vector<uint8_t>& token) {
    OM_uint32 minor;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc in = {token.size(), const_cast<uint8_t*>(token.data())};
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    gss_name_t src = GSS_C_NO_NAME;
    const OM_uint32 major = m.accept(&minor, &ctx, GSS_C_NO_CREDENTIAL, &in, nullptr, &src,
                                     nullptr, &out, nullptr, nullptr, nullptr);
    free(out.value);
    if (src != GSS_C_NO_NAME) m.release_name(&minor, &src);
    if (ctx != GSS_C_NO_CONTEXT) m.delete_ctx(&minor, &ctx, nullptr);
    last_minor = minor;
    return major;
  }

  Module m;
  OM_uint32 last_minor = 0;
};

TEST_F(Hostile, TruncatedAtEveryLength) {
  const auto token = real_token(GSS_C_MUTUAL_FLAG);
  ASSERT_GT(token.size(), 100u);
  for (size_t n = 0; n < token.size(); ++n) {
    std::vector<uint8_t> cut(token.begin(), token.begin() + static_cast<long>(n));
    EXPECT_EQ(accept(cut), GSS_S_DEFECTIVE_TOKEN) << "length " << n;
  }
}

TEST_F(Hostile, WrongOidAndTokId) {
  auto token = real_token(0);
  auto wrong_oid = token;
  // 60 len 06 09 <krb5 OID>: the OID's last octet sits at offset 2 + len-octets + 10.
  const size_t oid_at = (token[1] & 0x80) ? 2 + (token[1] & 0x7f) + 2 : 4;
  wrong_oid[oid_at + 8] ^= 0x01;
  EXPECT_EQ(accept(wrong_oid), GSS_S_DEFECTIVE_TOKEN);
  auto wrong_tok = token;
  wrong_tok[oid_at + 9] = 0x02;  // TOK_ID 02 00: an AP-REP sent to an acceptor
  EXPECT_EQ(accept(wrong_tok), GSS_S_DEFECTIVE_TOKEN);
  auto trailing = token;
  trailing.push_back(0);
  EXPECT_EQ(accept(trailing), GSS_S_DEFECTIVE_TOKEN);
}

TEST_F(Hostile, OversizedAndIndefiniteLengths) {
  const std::vector<std::vector<uint8_t>> tokens = {
      {0x60, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06, 0x09},
      {0x60, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00, 0x06},
      {0x60, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00},
      {0x60, 0x81, 0x05, 0x06, 0x03, 0x2a, 0x86, 0x48},  // non-minimal length
      {0x60, 0x0d, 0x06, 0x7f, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00},
      {0x60, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00},
      {0x60, 0x11, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00,
       0x6e, 0x82, 0xff, 0xff},
  };
  for (const auto& t : tokens) EXPECT_EQ(accept(t), GSS_S_DEFECTIVE_TOKEN) << t.size();
}

TEST_F(Hostile, RandomGarbage) {
  std::mt19937 rng(4121);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> t(rng() % 600);
    for (auto& b : t) b = static_cast<uint8_t>(rng());
    if (!t.empty() && i % 2) t[0] = 0x60;  // half of them get past the first check
    EXPECT_TRUE(GSS_ERROR(accept(t))) << "case " << i;
  }
}

TEST_F(Hostile, EveryByteFlippedIsRefusedOrHarmless) {
  const auto token = real_token(0);
  int accepted = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    auto t = token;
    t[i] ^= 0x80;
    const OM_uint32 major = accept(t);
    if (!GSS_ERROR(major)) ++accepted;
    if (i < 17) {
      EXPECT_EQ(major, GSS_S_DEFECTIVE_TOKEN) << "framing byte " << i;
    }
  }
  // Only the unprotected ap-options bits can change without the KDC's keys noticing (and
  // then the replay cache refuses every later copy): at most one success.
  EXPECT_LE(accepted, 1);
}

TEST_F(Hostile, DisplayStatusHasTextForEveryApxCode) {
  // 0x2A7E5800 is apx's private minor-code base (mech/base/minor.h).
  for (OM_uint32 code = 0x2A7E5801; code < 0x2A7E5800 + 64; ++code) {
    OM_uint32 minor, ctx = 0;
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    ASSERT_EQ(m.display_status(&minor, code, GSS_C_MECH_CODE, &kKrb5, &ctx, &out), GSS_S_COMPLETE);
    const std::string text(static_cast<char*>(out.value), out.length);
    free(out.value);
    EXPECT_FALSE(text.empty());
    if (text == "Unknown error" || text.rfind("Unknown code", 0) == 0) break;  // past the table
  }
}

}  // namespace
}  // namespace apx::test
