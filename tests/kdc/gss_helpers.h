// Small RAII and helpers for tests that call GSS-API through MIT's mechglue.
#pragma once

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <cstdint>
#include <string>
#include <vector>

// gssapi.h declares these outside its extern "C" block (MIT 1.20): reach the C symbols.
extern "C" OM_uint32 apx_test_inquire_attrs_for_mech(OM_uint32*, gss_const_OID, gss_OID_set*,
                                                     gss_OID_set*)
    __asm__("gss_inquire_attrs_for_mech");

namespace apx::test {

inline gss_OID_desc kKrb5Oid = {9, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02")};

struct Name {
  gss_name_t h = GSS_C_NO_NAME;
  ~Name() {
    OM_uint32 m;
    if (h != GSS_C_NO_NAME) gss_release_name(&m, &h);
  }
};
struct Cred {
  gss_cred_id_t h = GSS_C_NO_CREDENTIAL;
  ~Cred() {
    OM_uint32 m;
    if (h != GSS_C_NO_CREDENTIAL) gss_release_cred(&m, &h);
  }
};
struct Ctx {
  gss_ctx_id_t h = GSS_C_NO_CONTEXT;
  ~Ctx() {
    OM_uint32 m;
    if (h != GSS_C_NO_CONTEXT) gss_delete_sec_context(&m, &h, GSS_C_NO_BUFFER);
  }
};
struct Buffer {
  gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
  ~Buffer() {
    OM_uint32 m;
    gss_release_buffer(&m, &b);
  }
  std::vector<uint8_t> bytes() const {
    auto* p = static_cast<const uint8_t*>(b.value);
    return std::vector<uint8_t>(p, p + b.length);
  }
  std::string str() const { return std::string(static_cast<const char*>(b.value), b.length); }
};

inline gss_buffer_desc buf(const std::string& s) {
  return {s.size(), const_cast<char*>(s.data())};
}
inline gss_buffer_desc buf(const std::vector<uint8_t>& v) {
  return {v.size(), const_cast<uint8_t*>(v.data())};
}

// gss_display_status text of a minor code, for messages shown to a person: every part
// gss_display_status gives (RFC 2744 message_context), joined by ": ".
inline std::string minor_text(OM_uint32 minor, const gss_OID mech = const_cast<gss_OID>(&kKrb5Oid)) {
  OM_uint32 m, ctx = 0;
  std::string text;
  do {
    Buffer out;
    if (GSS_ERROR(gss_display_status(&m, minor, GSS_C_MECH_CODE, mech, &ctx, &out.b))) break;
    text += (text.empty() ? "" : ": ") + out.str();
  } while (ctx != 0);
  return text;
}

// Only the first part: what programs that call gss_display_status once compare.
inline std::string minor_first_text(OM_uint32 minor,
                                    const gss_OID mech = const_cast<gss_OID>(&kKrb5Oid)) {
  OM_uint32 m, ctx = 0;
  Buffer out;
  gss_display_status(&m, minor, GSS_C_MECH_CODE, mech, &ctx, &out.b);
  return out.str();
}

inline Name import(const std::string& text, gss_OID type) {
  Name n;
  OM_uint32 minor;
  gss_buffer_desc b = buf(text);
  gss_import_name(&minor, &b, type, &n.h);
  return n;
}

}  // namespace apx::test
