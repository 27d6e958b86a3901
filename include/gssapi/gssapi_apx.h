/* apx — the Kerberos V5 GSS-API mechanism (RFC 4121) as a plugin for MIT's mechglue.
 *
 * Public constants for applications. apx serves the usual Kerberos OIDs when it is
 * installed as an interposer; its own OIDs are needed only to ask for apx explicitly
 * (standalone mode) or to recognise it.
 *
 * Both are UUID OIDs (ITU-T X.667, arc 2.25) whose last arc is the low 62 bits of apx's
 * 128-bit UUIDs: MIT's mech.conf reader (gss_str_to_oid, 1.20) silently cuts an arc wider
 * than an unsigned long, which would turn a full 128-bit UUID arc into plain "2.25". */
#ifndef GSSAPI_APX_H_
#define GSSAPI_APX_H_

#include <gssapi/gssapi.h>

/* apx's own mechanism OID (standalone mode); tokens carry it. */
#define APX_MECH_OID_STRING "2.25.2656788351489794623"
#define APX_MECH_OID_LENGTH 10
#define APX_MECH_OID_DER "\x69\xa4\xef\xb3\xdd\xde\xef\xc7\xc4\x3f"

/* The interposer OID named in mech.conf. */
#define APX_INTERPOSER_OID_STRING "2.25.188904466058342031"
#define APX_INTERPOSER_OID_LENGTH 10
#define APX_INTERPOSER_OID_DER "\x69\x82\xcf\xc7\xf3\xc6\xdf\x91\xdd\x0f"

#endif /* GSSAPI_APX_H_ */
