/* <gssapi/gssapi_ext.h> for heimdal_peer: gss_peer's sources compiled against Heimdal.
 *
 * MIT keeps its extensions to RFC 2744 in gssapi_ext.h; Heimdal has most of them in
 * gssapi.h (gss_wrap_iov, gss_unwrap_iov, gss_wrap_aead, gss_inquire_sec_context_by_oid)
 * and lacks a few that gss_peer calls, and one OID its library does not define. This
 * directory comes first on heimdal_peer's include path, so gss_peer.c and
 * peer_messages.c build unchanged: the names Heimdal lacks map to heimdal_peer.c, which
 * does what Heimdal can (credential stores through Heimdal's krb5 calls) and answers
 * GSS_S_UNAVAILABLE for the rest (gss_get_mic_iov, gss_verify_mic_iov): their checks
 * are not run against Heimdal. */
#ifndef APX_TESTS_INTEROP_HEIMDAL_GSSAPI_EXT_H_
#define APX_TESTS_INTEROP_HEIMDAL_GSSAPI_EXT_H_

#include <gssapi/gssapi.h>

#ifndef GSSAPI_GSSAPI_H_
#error "heimdal_peer must find Heimdal's gssapi.h (pkg-config heimdal-gssapi), not MIT's"
#endif

/* MIT's values, which Heimdal 7.8 does not define (gss_peer prints the flag). */
#ifndef GSS_C_CHANNEL_BOUND_FLAG
#define GSS_C_CHANNEL_BOUND_FLAG 2048
#endif
#ifndef GSS_IOV_BUFFER_TYPE_MIC_TOKEN
#define GSS_IOV_BUFFER_TYPE_MIC_TOKEN 12
#endif

/* Credential store elements, as MIT declares them. */
typedef struct gss_key_value_element_struct {
  const char* key;
  const char* value;
} gss_key_value_element_desc;

typedef struct gss_key_value_set_struct {
  OM_uint32 count;
  gss_key_value_element_desc* elements;
} gss_key_value_set_desc;
typedef const gss_key_value_set_desc* gss_const_key_value_set_t;

/* Heimdal 7.8's gssapi_oid.h declares this OID, but its libgssapi does not define it:
 * heimdal_peer.c does (1.2.840.113554.1.2.2.5.5, MIT's value). */
#undef GSS_C_INQ_SSPI_SESSION_KEY
extern gss_OID_desc heimdal_peer_inq_sspi_session_key;
#define GSS_C_INQ_SSPI_SESSION_KEY (&heimdal_peer_inq_sspi_session_key)

#define gss_acquire_cred_from heimdal_peer_acquire_cred_from
#define gss_get_mic_iov heimdal_peer_get_mic_iov
#define gss_verify_mic_iov heimdal_peer_verify_mic_iov

/* "ccache" (initiator) and "keytab" (acceptor) through Heimdal's gss_krb5_ccache_name
 * and gsskrb5_register_acceptor_identity; any other key is GSS_S_UNAVAILABLE. */
OM_uint32 heimdal_peer_acquire_cred_from(OM_uint32* minor, gss_name_t desired_name,
                                         OM_uint32 time_req, gss_OID_set desired_mechs,
                                         gss_cred_usage_t usage,
                                         gss_const_key_value_set_t store,
                                         gss_cred_id_t* cred, gss_OID_set* actual_mechs,
                                         OM_uint32* time_rec);

/* Not in Heimdal: GSS_S_UNAVAILABLE. */
OM_uint32 heimdal_peer_get_mic_iov(OM_uint32* minor, gss_ctx_id_t ctx, gss_qop_t qop,
                                   gss_iov_buffer_desc* iov, int iov_count);
OM_uint32 heimdal_peer_verify_mic_iov(OM_uint32* minor, gss_ctx_id_t ctx, gss_qop_t* qop,
                                      gss_iov_buffer_desc* iov, int iov_count);

#endif  /* APX_TESTS_INTEROP_HEIMDAL_GSSAPI_EXT_H_ */
