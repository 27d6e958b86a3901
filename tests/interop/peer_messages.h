/* The per-message part of gss_peer: every protection call, both directions, on an
 * established context (see peer_messages.c for the protocol). */
#ifndef APX_TESTS_INTEROP_PEER_MESSAGES_H_
#define APX_TESTS_INTEROP_PEER_MESSAGES_H_

#include <gssapi/gssapi.h>
#include <stddef.h>

struct message_plan {
  int fd;                /* socket to the peer */
  int initiator;         /* 1 on the initiator, 0 on the acceptor */
  gss_OID mech;          /* for gss_display_status */
  OM_uint32 ctx_flags;   /* this side's flags from establishment (replay, sequence) */
  const size_t* sizes;   /* message sizes, in the order both peers walk them */
  size_t nsizes;
  const char* only;      /* comma-separated check names to run; NULL: all */
};

/* Runs every check for every size; prints msg.CHECK.DIR.sizeN=ok|fail ... for the
 * checks this side judges and messages=ok or messages=fail with message_* details.
 * Returns 0 when every check passed. */
int run_messages(gss_ctx_id_t ctx, const struct message_plan* plan);

/* Prints every check, one a line: check.NAME=all, or check.NAME=MAX when it runs only
 * for messages up to MAX octets. */
void list_message_checks(void);

#endif  /* APX_TESTS_INTEROP_PEER_MESSAGES_H_ */
