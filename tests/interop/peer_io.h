/* Frames and status texts shared by gss_peer's establishment and message parts.
 *
 * A frame is a 4-byte big-endian length followed by that many bytes. */
#ifndef APX_TESTS_INTEROP_PEER_IO_H_
#define APX_TESTS_INTEROP_PEER_IO_H_

#include <gssapi/gssapi.h>
#include <stddef.h>

enum { kMaxFrame = 16 * 1024 * 1024 };

int send_frame(int fd, const void* data, size_t len);
/* Reads one frame into a malloc'd buffer (released with free_frame). */
int recv_frame(int fd, gss_buffer_desc* out);
void free_frame(gss_buffer_desc* buf);

/* Every gss_display_status text of major (and of minor, if not 0) on one line. */
void format_status(char* out, size_t cap, OM_uint32 major, OM_uint32 minor, gss_OID mech);
/* Prints PREFIXmajor=0x..., PREFIXminor=..., PREFIXstatus=... lines. */
void print_status(const char* prefix, OM_uint32 major, OM_uint32 minor, gss_OID mech);

#endif  /* APX_TESTS_INTEROP_PEER_IO_H_ */
