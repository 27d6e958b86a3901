/* apx — the Kerberos V5 GSS-API mechanism (RFC 4121) as a plugin for MIT's mechglue.
 *
 * Public constants for applications. apx serves the usual Kerberos OIDs when it is
 * installed as an interposer; its own OIDs are needed only to ask for apx explicitly
 * (standalone mode) or to recognise it. */
#ifndef GSSAPI_APX_H_
#define GSSAPI_APX_H_

#include <gssapi/gssapi.h>

/* 2.25.284431196119183154603543510166031950399: apx's own mechanism OID (standalone). */
#define APX_MECH_OID_LENGTH 20
#define APX_MECH_OID_DER \
  "\x69\x83\xab\xfb\xba\xab\xaf\xfb\x82\x94\xa5\xa4\xef\xb3\xdd\xde\xef\xc7\xc4\x3f"
#define APX_MECH_OID_STRING "2.25.284431196119183154603543510166031950399"

/* 2.25.65750208989393718156965173724799331983: the interposer OID used in mech.conf. */
#define APX_INTERPOSER_OID_LENGTH 19
#define APX_INTERPOSER_OID_DER \
  "\x69\xe2\xf7\x83\xe5\xc3\xc0\xc2\xa1\xa3\x82\xcf\xc7\xf3\xc6\xdf\x91\xdd\x0f"
#define APX_INTERPOSER_OID_STRING "2.25.65750208989393718156965173724799331983"

#endif /* GSSAPI_APX_H_ */
