#include "core/keytab_cache.h"

#include <atomic>
#include <map>
#include <mutex>
#include <string_view>

#include "base/trace.h"

namespace apx::core {

bool FileIdentity::operator==(const FileIdentity& o) const {
  return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
         mtime.tv_nsec == o.mtime.tv_nsec;
}

bool file_identity(const std::string& path, FileIdentity& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  out = {st.st_dev, st.st_ino, st.st_size, st.st_mtim};
  return true;
}

KeytabSnapshot::~KeytabSnapshot() {
  if (kt_ != nullptr) {
    // A MEMORY keytab's entries live in libkrb5's process-wide table until removed
    // (closing drops only the handle); removing frees and wipes each key.
    krb5_kt_cursor cur;
    krb5_keytab_entry e;
    while (krb5_kt_start_seq_get(ctx_, kt_, &cur) == 0) {
      const bool got = krb5_kt_next_entry(ctx_, kt_, &e, &cur) == 0;
      (void)krb5_kt_end_seq_get(ctx_, kt_, &cur);
      if (!got) break;
      const krb5_error_code code = krb5_kt_remove_entry(ctx_, kt_, &e);
      (void)krb5_free_keytab_entry_contents(ctx_, &e);
      if (code != 0) break;
    }
    (void)krb5_kt_close(ctx_, kt_);
  }
  if (ctx_ != nullptr) krb5_free_context(ctx_);
}

class KeytabCache {
 public:
  static KeytabCache& get() {
    static KeytabCache* c = new KeytabCache();  // never destroyed: used until exit
    return *c;
  }
  std::shared_ptr<const KeytabSnapshot> snapshot(krb5_context c, krb5_keytab kt);

 private:
  static std::shared_ptr<KeytabSnapshot> load(krb5_context c, krb5_keytab kt,
                                              const FileIdentity& id);
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const KeytabSnapshot>> by_path_;
};

namespace {

// The file behind a FILE: (or default-typed) keytab name; empty for other types.
std::string keytab_path(krb5_context c, krb5_keytab kt) {
  const std::string_view type = krb5_kt_get_type(c, kt);
  if (type != "FILE") return {};
  char name[1024];
  if (krb5_kt_get_name(c, kt, name, sizeof name) != 0) return {};
  std::string_view n(name);
  if (n.starts_with("FILE:")) n.remove_prefix(5);
  return std::string(n);
}

std::atomic<unsigned long> g_serial{0};

}  // namespace

std::shared_ptr<KeytabSnapshot> KeytabCache::load(krb5_context c, krb5_keytab kt,
                                                  const FileIdentity& id) {
  std::shared_ptr<KeytabSnapshot> snap(new KeytabSnapshot());
  if (krb5_init_context(&snap->ctx_) != 0) return nullptr;
  const std::string name = "MEMORY:apx-keytab-" + std::to_string(++g_serial);
  if (krb5_kt_resolve(snap->ctx_, name.c_str(), &snap->kt_) != 0) return nullptr;
  krb5_kt_cursor cur;
  if (krb5_kt_start_seq_get(c, kt, &cur) != 0) return nullptr;
  krb5_keytab_entry e;
  krb5_error_code code = 0;
  while (code == 0 && krb5_kt_next_entry(c, kt, &e, &cur) == 0) {
    code = krb5_kt_add_entry(snap->ctx_, snap->kt_, &e);
    (void)krb5_free_keytab_entry_contents(c, &e);
    ++snap->entries_;
  }
  (void)krb5_kt_end_seq_get(c, kt, &cur);
  if (code != 0) return nullptr;
  snap->id_ = id;
  return snap;
}

std::shared_ptr<const KeytabSnapshot> KeytabCache::snapshot(krb5_context c, krb5_keytab kt) {
  const std::string path = keytab_path(c, kt);
  if (path.empty()) return nullptr;
  FileIdentity id;
  if (!file_identity(path, id)) return nullptr;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = by_path_.find(path);
    if (it != by_path_.end() && it->second->id_ == id) return it->second;
  }
  // Read outside the lock: other keytabs stay usable meanwhile. A file changed while it is
  // read is caught by the next use (its identity then differs from the one noted here,
  // taken before the read).
  std::shared_ptr<const KeytabSnapshot> fresh = load(c, kt, id);
  if (fresh == nullptr) return nullptr;
  base::trace("keytab %s read: %zu entries", path.c_str(), fresh->entries_);
  std::lock_guard<std::mutex> l(mu_);
  by_path_[path] = fresh;
  return fresh;
}

std::shared_ptr<const KeytabSnapshot> keytab_snapshot(krb5_context c, krb5_keytab kt) {
  return KeytabCache::get().snapshot(c, kt);
}

}  // namespace apx::core
