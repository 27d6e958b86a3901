#include "krb5/k5.h"

#include <profile.h>

#include <cerrno>

#include "base/trace.h"
#include "krb5/context_pool.h"

namespace apx::k5 {

base::Result<Context> Context::create() {
  krb5_context c = nullptr;
  int64_t born = 0;
  uint64_t generation = 0;
  // A released context is reused (context_pool.h): a fresh one per security context
  // costs a profile re-check and its allocations.
  const krb5_error_code code = pooled_context(&c, &born, &generation);
  if (code != 0) {
    return base::with_detail(base::Status::failure(static_cast<OM_uint32>(code)),
                             "Cannot initialise Kerberos (krb5.conf unreadable or invalid; "
                             "check KRB5_CONFIG)");
  }
  return Context(c, born, generation);
}

Context::~Context() {
  if (ctx_ != nullptr) release_context(ctx_, born_, generation_);
}

std::string Context::message(krb5_error_code code) const {
  const char* m = krb5_get_error_message(ctx_, code);
  std::string out = m ? m : "unknown Kerberos error";
  krb5_free_error_message(ctx_, m);
  return out;
}

base::Status Context::error(OM_uint32 major, krb5_error_code code, const std::string& what) const {
  if (code == ENOMEM) return base::Status::no_memory();
  std::string text = what.empty() ? message(code) : what + ": " + message(code);
  base::trace("error: %s", text.c_str());
  return base::with_detail(base::Status(major, static_cast<OM_uint32>(code)), std::move(text));
}

base::Status Context::error_then(OM_uint32 major, krb5_error_code code,
                                 const std::string& advice) const {
  if (code == ENOMEM) return base::Status::no_memory();
  const std::string first = message(code);
  base::trace("error: %s: %s", first.c_str(), advice.c_str());
  return base::with_detail_parts(base::Status(major, static_cast<OM_uint32>(code)), first, advice);
}

int32_t Context::clockskew() const {
  constexpr int kDefaultClockskew = 300;  // MIT's DEFAULT_CLOCKSKEW
  profile_t profile = nullptr;
  if (krb5_get_profile(ctx_, &profile) != 0) return kDefaultClockskew;
  int value = kDefaultClockskew;
  if (profile_get_integer(profile, "libdefaults", "clockskew", nullptr, kDefaultClockskew,
                          &value) != 0)
    value = kDefaultClockskew;
  profile_release(profile);
  return value;
}

std::string Context::unparse(krb5_const_principal p) const {
  char* s = nullptr;
  if (p == nullptr || krb5_unparse_name(ctx_, p, &s) != 0) return "<unprintable>";
  std::string out = s;
  krb5_free_unparsed_name(ctx_, s);
  return out;
}

}  // namespace apx::k5
