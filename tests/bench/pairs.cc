#include "bench/pairs.h"

#include <gssapi/gssapi_apx.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <cstring>
#include <stdexcept>

namespace apx::bench {
namespace {

gss_OID_desc g_apx_oid = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};
gss_OID_desc g_krb5_oid = {9, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02")};

Pair g_pairs[2][2];

// Checksum sizes of the two enctypes (RFC 3962 §6: HMAC-SHA1 truncated to 96 bits;
// RFC 8009 §5: HMAC-SHA384 truncated to 192 bits) after the 16-byte MIC token header.
size_t expected_mic_size(Enc e) { return 16 + (e == Enc::sha1 ? 12 : 24); }

krb5_enctype enctype(Enc e) {
  return e == Enc::sha1 ? ENCTYPE_AES256_CTS_HMAC_SHA1_96 : ENCTYPE_AES256_CTS_HMAC_SHA384_192;
}

bool same_oid(gss_const_OID a, gss_const_OID b) {
  return a != GSS_C_NO_OID && b != GSS_C_NO_OID && a->length == b->length &&
         std::memcmp(a->elements, b->elements, a->length) == 0;
}

void check(bool ok, Mech m, Enc e, const std::string& what) {
  if (!ok) {
    throw std::runtime_error(std::string(mech_name(m)) + "/" + enc_name(e) + ": " + what);
  }
}

void check_end(Mech m, Enc e, gss_ctx_id_t ctx, const char* side) {
  OM_uint32 minor = 0, flags = 0;
  int open = 0;
  gss_OID mech = GSS_C_NO_OID;
  OM_uint32 major = gss_inquire_context(&minor, ctx, nullptr, nullptr, nullptr, &mech, &flags,
                                        nullptr, &open);
  check(major == GSS_S_COMPLETE, m, e,
        std::string("gss_inquire_context on the ") + side + ": " +
            status_text(major, minor, mech_oid(m)));
  check(same_oid(mech, mech_oid(m)), m, e,
        std::string("the ") + side + " context belongs to another mechanism");
  check(open != 0, m, e, std::string("the ") + side + " context is not open");
  check((flags & kFlags) == kFlags, m, e,
        std::string("the ") + side + " context lacks mutual, conf or integ");
}

void check_enctype(Mech m, Enc e, const Pair& p) {
  OM_uint32 minor = 0;
  char msg[] = "enctype probe";
  gss_buffer_desc in = {sizeof msg, msg};
  gss_buffer_desc mic = GSS_C_EMPTY_BUFFER;
  OM_uint32 major = gss_get_mic(&minor, p.init, GSS_C_QOP_DEFAULT, &in, &mic);
  check(major == GSS_S_COMPLETE, m, e, "gss_get_mic: " + status_text(major, minor, mech_oid(m)));
  const size_t size = mic.length;
  major = gss_verify_mic(&minor, p.acc, &in, &mic, nullptr);
  gss_release_buffer(&minor, &mic);
  check(major == GSS_S_COMPLETE, m, e, "gss_verify_mic: " + status_text(major, minor, mech_oid(m)));
  check(size == expected_mic_size(e), m, e,
        "MIC token of " + std::to_string(size) + " bytes, expected " +
            std::to_string(expected_mic_size(e)) + " for " + enc_long_name(e));
}

// An initiator credential limited to one enctype. Without it the initiator (MIT's and
// apx's alike) offers its whole permitted_enctypes list in the authenticator (RFC 4537)
// and the acceptor picks the first, aes256-cts-hmac-sha1-96, for the acceptor subkey even
// when the ticket's session key is aes256-cts-hmac-sha384-192.
gss_cred_id_t limited_initiator_cred(Mech m, Enc e) {
  OM_uint32 minor = 0;
  gss_OID_set_desc mechs = {1, mech_oid(m)};
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  OM_uint32 major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                                     GSS_C_INITIATE, &cred, nullptr, nullptr);
  check(major == GSS_S_COMPLETE, m, e,
        "gss_acquire_cred: " + status_text(major, minor, mech_oid(m)));
  krb5_enctype only = enctype(e);
  major = gss_krb5_set_allowable_enctypes(&minor, cred, 1, &only);
  check(major == GSS_S_COMPLETE, m, e,
        "gss_krb5_set_allowable_enctypes: " + status_text(major, minor, mech_oid(m)));
  return cred;
}

}  // namespace

const char* mech_name(Mech m) { return m == Mech::apx ? "apx" : "MIT"; }
const char* enc_name(Enc e) { return e == Enc::sha1 ? "sha1" : "sha2"; }
const char* enc_long_name(Enc e) {
  return e == Enc::sha1 ? "aes256-cts-hmac-sha1-96" : "aes256-cts-hmac-sha384-192";
}
gss_OID mech_oid(Mech m) { return m == Mech::apx ? &g_apx_oid : &g_krb5_oid; }
const char* target_name(Enc e) { return e == Enc::sha1 ? "sha1@localhost" : "sha2@localhost"; }

std::string status_text(OM_uint32 major, OM_uint32 minor, gss_OID mech) {
  std::string text;
  for (int type : {GSS_C_GSS_CODE, GSS_C_MECH_CODE}) {
    OM_uint32 code = type == GSS_C_GSS_CODE ? major : minor;
    OM_uint32 m = 0, more = 0;
    do {
      gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
      if (GSS_ERROR(gss_display_status(&m, code, type, mech, &more, &out))) break;
      if (!text.empty()) text += "; ";
      text.append(static_cast<const char*>(out.value), out.length);
      gss_release_buffer(&m, &out);
    } while (more != 0);
  }
  return text;
}

std::string establish(Mech m, gss_name_t target, gss_cred_id_t init_cred, Pair& out,
                      gss_cred_id_t acc_cred) {
  OM_uint32 minor = 0;
  gss_buffer_desc to_acc = GSS_C_EMPTY_BUFFER, to_init = GSS_C_EMPTY_BUFFER;
  OM_uint32 major = gss_init_sec_context(&minor, init_cred, &out.init, target, mech_oid(m),
                                         kFlags, 0, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER,
                                         nullptr, &to_acc, nullptr, nullptr);
  if (major != GSS_S_CONTINUE_NEEDED) {
    gss_release_buffer(&minor, &to_acc);
    return "init_sec_context (1): " + status_text(major, minor, mech_oid(m));
  }
  major = gss_accept_sec_context(&minor, &out.acc, acc_cred, &to_acc,
                                 GSS_C_NO_CHANNEL_BINDINGS, nullptr, nullptr, &to_init, nullptr,
                                 nullptr, nullptr);
  gss_release_buffer(&minor, &to_acc);
  if (major != GSS_S_COMPLETE) {
    gss_release_buffer(&minor, &to_init);
    return "accept_sec_context: " + status_text(major, minor, mech_oid(m));
  }
  major = gss_init_sec_context(&minor, init_cred, &out.init, target, mech_oid(m), kFlags, 0,
                               GSS_C_NO_CHANNEL_BINDINGS, &to_init, nullptr, &to_acc, nullptr,
                               nullptr);
  gss_release_buffer(&minor, &to_init);
  gss_release_buffer(&minor, &to_acc);
  if (major != GSS_S_COMPLETE) return "init_sec_context (2): " + status_text(major, minor, mech_oid(m));
  return {};
}

gss_cred_id_t bench_cred(Mech m, Enc e, bool acceptor) {
  if (!acceptor) return limited_initiator_cred(m, e);
  OM_uint32 minor = 0;
  gss_OID_set_desc mechs = {1, mech_oid(m)};
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  OM_uint32 major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                                     GSS_C_ACCEPT, &cred, nullptr, nullptr);
  check(major == GSS_S_COMPLETE, m, e,
        "gss_acquire_cred (accept): " + status_text(major, minor, mech_oid(m)));
  return cred;
}

void release(Pair& p) {
  OM_uint32 minor = 0;
  if (p.init != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &p.init, GSS_C_NO_BUFFER);
  if (p.acc != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &p.acc, GSS_C_NO_BUFFER);
}

void establish_pairs() {
  for (Mech m : kMechs) {
    for (Enc e : kEncs) {
      OM_uint32 minor = 0;
      const char* text = target_name(e);
      gss_buffer_desc name_buf = {std::strlen(text), const_cast<char*>(text)};
      gss_name_t target = GSS_C_NO_NAME;
      OM_uint32 major = gss_import_name(&minor, &name_buf, GSS_C_NT_HOSTBASED_SERVICE, &target);
      check(major == GSS_S_COMPLETE, m, e, "gss_import_name: " + status_text(major, minor, nullptr));
      gss_cred_id_t cred = limited_initiator_cred(m, e);
      Pair& p = g_pairs[static_cast<int>(m)][static_cast<int>(e)];
      std::string error = establish(m, target, cred, p);
      gss_release_name(&minor, &target);
      if (cred != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &cred);
      check(error.empty(), m, e, error);
      check_end(m, e, p.init, "initiator");
      check_end(m, e, p.acc, "acceptor");
      check_enctype(m, e, p);
    }
  }
}

Pair& pair(Mech m, Enc e) { return g_pairs[static_cast<int>(m)][static_cast<int>(e)]; }

}  // namespace apx::bench
