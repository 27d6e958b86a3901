#include "core/ticket_cache.h"

#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string_view>

#include "core/keytab_cache.h"

namespace apx::core {
namespace {

// Bounds the memory the caches can hold in a process with many targets.
constexpr size_t kMaxEntries = 64;
// How long a kept ticket or default credential is used without asking libkrb5 again, even
// with the ccache unchanged: krb5.conf (permitted enctypes, realms) may have changed, and
// libkrb5's profile looks at krb5.conf at most once a second too.
constexpr int64_t kMaxAgeNs = 1'000'000'000;

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The file of a FILE ccache; empty for other types.
std::string ccache_path(krb5_context c, krb5_ccache cc) {
  if (cc == nullptr || std::string_view(krb5_cc_get_type(c, cc)) != "FILE") return {};
  const char* n = krb5_cc_get_name(c, cc);
  return n != nullptr ? n : "";
}

struct TicketEntry {
  std::string path;
  FileIdentity id;
  krb5_creds* creds = nullptr;
  int64_t made = 0;
};

struct TicketCache {
  std::mutex mu;
  krb5_context ctx = nullptr;  // frees the kept copies
  std::map<std::string, TicketEntry> by_key;
};

TicketCache& tickets() {
  static TicketCache* t = [] {
    auto* made = new TicketCache();  // never destroyed: used until exit
    if (krb5_init_context(&made->ctx) != 0) made->ctx = nullptr;
    return made;
  }();
  return *t;
}

void drop(TicketCache& t, std::map<std::string, TicketEntry>::iterator it) {
  krb5_free_creds(t.ctx, it->second.creds);  // wipes the session key
  t.by_key.erase(it);
}

std::string full_key(const std::string& path, const std::string& key) { return path + '\n' + key; }

}  // namespace

krb5_creds* cached_ticket(krb5_context c, krb5_ccache cc, const std::string& key) {
  const std::string path = ccache_path(c, cc);
  FileIdentity id;
  if (path.empty() || !file_identity(path, id)) return nullptr;
  krb5_timestamp now = 0;
  if (krb5_timeofday(c, &now) != 0) return nullptr;
  TicketCache& t = tickets();
  std::lock_guard<std::mutex> l(t.mu);
  auto it = t.by_key.find(full_key(path, key));
  if (it == t.by_key.end()) return nullptr;
  // A ticket that has ended, or a file that changed, is asked of libkrb5 again.
  if (!(it->second.id == id) || now_ns() - it->second.made >= kMaxAgeNs ||
      static_cast<uint32_t>(it->second.creds->times.endtime) <= static_cast<uint32_t>(now)) {
    drop(t, it);
    return nullptr;
  }
  krb5_creds* out = nullptr;
  if (krb5_copy_creds(c, it->second.creds, &out) != 0) return nullptr;
  return out;
}

void remember_ticket(krb5_context c, krb5_ccache cc, const std::string& key,
                     const krb5_creds& creds) {
  const std::string path = ccache_path(c, cc);
  FileIdentity id;
  // Noted after krb5_get_credentials wrote any new ticket to the file.
  if (path.empty() || !file_identity(path, id)) return;
  TicketCache& t = tickets();
  if (t.ctx == nullptr) return;
  krb5_creds* copy = nullptr;
  if (krb5_copy_creds(t.ctx, &creds, &copy) != 0) return;
  std::lock_guard<std::mutex> l(t.mu);
  const std::string k = full_key(path, key);
  if (auto it = t.by_key.find(k); it != t.by_key.end()) drop(t, it);
  if (t.by_key.size() >= kMaxEntries) drop(t, t.by_key.begin());
  t.by_key.emplace(k, TicketEntry{path, id, copy, now_ns()});
}

namespace {

struct DefaultEntry {
  std::shared_ptr<Cred> cred;
  int64_t made = 0;
  std::string ccname_env, thread_ccname, path;
  FileIdentity ccache_id;
  bool have_k5identity = false;
  FileIdentity k5identity_id;
};

struct DefaultCreds {
  std::mutex mu;
  std::map<std::string, DefaultEntry> by_target;
};

DefaultCreds& defaults() {
  static DefaultCreds* d = new DefaultCreds();
  return *d;
}

std::string env(const char* name) {
  const char* v = secure_getenv(name);
  return v != nullptr ? v : "";
}

// The file libkrb5's krb5_cc_select reads (ccselect_k5identity.c: the home directory of
// the effective user, from the password database).
const std::string& k5identity_path() {
  static const std::string path = [] {
    passwd pw{};
    passwd* got = nullptr;
    char buf[4096];
    if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &got) != 0 || got == nullptr) return std::string();
    return std::string(pw.pw_dir) + "/.k5identity";
  }();
  return path;
}

// What the reuse of a default credential depends on, as it is now.
DefaultEntry observe() {
  DefaultEntry e;
  // The default ccache's name, and what the credential's krb5 context was made from.
  e.ccname_env = env("KRB5CCNAME") + '\n' + env("KRB5_CONFIG") + '\n' + env("KRB5_TRACE");
  e.thread_ccname = thread_ccache_name();
  e.have_k5identity = !k5identity_path().empty() && file_identity(k5identity_path(), e.k5identity_id);
  return e;
}

bool same(const DefaultEntry& kept, const DefaultEntry& now, int64_t t) {
  FileIdentity id;
  return t - kept.made < kMaxAgeNs && kept.ccname_env == now.ccname_env &&
         kept.thread_ccname == now.thread_ccname &&
         kept.have_k5identity == now.have_k5identity &&
         (!kept.have_k5identity || kept.k5identity_id == now.k5identity_id) &&
         file_identity(kept.path, id) && id == kept.ccache_id &&
         kept.cred->initiator_lifetime() > 0;
}

}  // namespace

base::Result<std::shared_ptr<Cred>> default_initiator_cred(const Name& target) {
  DefaultCreds& d = defaults();
  DefaultEntry now = observe();
  const int64_t t = now_ns();
  {
    std::lock_guard<std::mutex> l(d.mu);
    auto it = d.by_target.find(target.display());
    if (it != d.by_target.end()) {
      if (same(it->second, now, t)) return it->second.cred;
      d.by_target.erase(it);
    }
  }
  APX_TRY_ASSIGN(std::shared_ptr<Cred> cred,
                 Cred::acquire(nullptr, GSS_C_INITIATE, CredStore{}, false));
  APX_TRY(cred->resolve(&target));
  // Only a FILE ccache has an identity to check; others are resolved per context, as MIT.
  const std::string& name = cred->ccache_name();
  if (!name.starts_with("FILE:")) return cred;
  now.path = name.substr(5);
  if (!file_identity(now.path, now.ccache_id)) return cred;
  now.cred = cred;
  now.made = t;
  std::lock_guard<std::mutex> l(d.mu);
  if (d.by_target.size() >= kMaxEntries) d.by_target.erase(d.by_target.begin());
  d.by_target[target.display()] = std::move(now);
  return cred;
}

}  // namespace apx::core
