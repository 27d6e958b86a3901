/* heimdal_peer: gss_peer's sources (gss_peer.c, peer_io.c, peer_messages.c) linked
 * against Heimdal's libgssapi instead of MIT's, for the interop tests. Same frames,
 * options and output. This file supplies the MIT extensions gss_peer calls that Heimdal
 * 7.8 lacks, declared in heimdal/gssapi/gssapi_ext.h (first on the include path):
 *
 *   gss_acquire_cred_from   "ccache" (initiator) and "keytab" (acceptor) stores, through
 *                           Heimdal's own calls; "client_keytab" is not available
 *   gss_get_mic_iov,        GSS_S_UNAVAILABLE: Heimdal has no IOV form of MICs, so the
 *   gss_verify_mic_iov      mic_iov checks are not run against it
 *   GSS_C_INQ_SSPI_SESSION_KEY  the OID itself (Heimdal declares it but its library
 *                           does not define it; its krb5 mechanism answers no such
 *                           query, so session_key_enctype=unavailable)
 *
 * Nothing here emulates a call with another one: a check either runs Heimdal's own
 * code or fails with GSS_S_UNAVAILABLE. */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <string.h>

gss_OID_desc heimdal_peer_inq_sspi_session_key = {
    11, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x05"};

/* A "FILE:" or other typed name is passed on; Heimdal takes both. */
static OM_uint32 use_store_element(OM_uint32* minor, gss_cred_usage_t usage,
                                   const gss_key_value_element_desc* e) {
  if (usage == GSS_C_INITIATE && strcmp(e->key, "ccache") == 0) {
    return gss_krb5_ccache_name(minor, e->value, NULL);
  }
  if (usage == GSS_C_ACCEPT && strcmp(e->key, "keytab") == 0) {
    OM_uint32 major = gsskrb5_register_acceptor_identity(e->value);
    *minor = 0;
    return major;
  }
  return GSS_S_UNAVAILABLE;
}

OM_uint32 heimdal_peer_acquire_cred_from(OM_uint32* minor, gss_name_t desired_name,
                                         OM_uint32 time_req, gss_OID_set desired_mechs,
                                         gss_cred_usage_t usage,
                                         gss_const_key_value_set_t store,
                                         gss_cred_id_t* cred, gss_OID_set* actual_mechs,
                                         OM_uint32* time_rec) {
  *minor = 0;
  *cred = GSS_C_NO_CREDENTIAL;
  for (OM_uint32 i = 0; store != NULL && i < store->count; ++i) {
    OM_uint32 major = use_store_element(minor, usage, &store->elements[i]);
    if (GSS_ERROR(major)) return major;
  }
  return gss_acquire_cred(minor, desired_name, time_req, desired_mechs, usage, cred, actual_mechs,
                          time_rec);
}

OM_uint32 heimdal_peer_get_mic_iov(OM_uint32* minor, gss_ctx_id_t ctx, gss_qop_t qop,
                                   gss_iov_buffer_desc* iov, int iov_count) {
  (void)ctx;
  (void)qop;
  (void)iov;
  (void)iov_count;
  *minor = 0;
  return GSS_S_UNAVAILABLE;
}

OM_uint32 heimdal_peer_verify_mic_iov(OM_uint32* minor, gss_ctx_id_t ctx, gss_qop_t* qop,
                                      gss_iov_buffer_desc* iov, int iov_count) {
  (void)ctx;
  (void)iov;
  (void)iov_count;
  if (qop != NULL) *qop = GSS_C_QOP_DEFAULT;
  *minor = 0;
  return GSS_S_UNAVAILABLE;
}
