// Service tickets and default initiator credentials kept between security contexts, each
// valid while the FILE ccache it came from keeps its identity (keytab_cache.h's
// FileIdentity: one stat per use). Any change to the file — a ticket stored by apx or
// another program, kinit renewing or replacing it, kdestroy — sends the next context back
// to libkrb5, which reads the file as before; tickets apx gets from the KDC are stored in
// the ccache by krb5_get_credentials as before, so other programs see them.
#pragma once

#include <krb5/krb5.h>

#include <memory>
#include <string>

#include "base/result.h"
#include "core/cred.h"
#include "core/name.h"

namespace apx::core {

// A copy (made in `c`) of the ticket last got for `key` from the FILE ccache `cc`, when the
// file is unchanged, the ticket has not ended and it was got less than a second ago (a
// krb5.conf edit is then seen as soon as libkrb5's profile sees it); nullptr otherwise.
[[nodiscard]] krb5_creds* cached_ticket(krb5_context c, krb5_ccache cc, const std::string& key);
// Remembers `creds`, just got from (or through) `cc`, for `key`.
void remember_ticket(krb5_context c, krb5_ccache cc, const std::string& key,
                     const krb5_creds& creds);

// gss_init_sec_context without a credential: the default credential resolved for `target`
// (MIT's kg_cred_resolve), reused for up to a second while the default ccache is the same
// unchanged FILE ccache, ~/.k5identity is unchanged and KRB5CCNAME and the thread's ccache
// name are the same. Within that second a krb5.conf edit is not seen, as libkrb5's own
// profile re-checks krb5.conf at most once a second.
[[nodiscard]] base::Result<std::shared_ptr<Cred>> default_initiator_cred(const Name& target);

}  // namespace apx::core
