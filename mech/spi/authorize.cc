// gss_authorize_localname as the mechglue's table declares it (name, user buffer, user
// type): it differs from the public call of the same name in gssapi_ext.h, so this file
// must not include that header.
#include <krb5/krb5.h>

#include "core/name.h"
#include "spi/guard.h"

using apx::base::Minor;
using apx::base::Status;
using namespace apx::spi;

APX_EXPORT OM_uint32 apx_authorize_localname(OM_uint32* minor, gss_name_t name,
                                             gss_const_buffer_t user, gss_const_OID user_type)
    __asm__("gss_authorize_localname");

OM_uint32 apx_authorize_localname(OM_uint32* minor, gss_name_t name, gss_const_buffer_t user,
                                  gss_const_OID user_type) {
  return guarded(minor, [&] {
    (void)user_type;
    if (name == GSS_C_NO_NAME || user == GSS_C_NO_BUFFER)
      return report(minor, Status::bad_name(Minor::kNameNotMechName));
    auto k5 = apx::k5::Context::create();
    if (!k5) return report(minor, k5.error());
    auto p = reinterpret_cast<apx::core::Name*>(name)->principal(*k5);
    if (!p) return report(minor, p.error());
    const std::string luser(static_cast<const char*>(user->value), user->length);
    // .k5login and auth_to_local, as krb5_kuserok applies them.
    if (krb5_kuserok(k5->get(), p->get(), luser.c_str()))
      return report(minor, Status::complete());
    return report(minor, Status(GSS_S_UNAUTHORIZED, 0));
  });
}
APX_GSSI_ASM(authorize_localname, apx_authorize_localname, "gss_authorize_localname")
