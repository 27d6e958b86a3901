// Keytab files read once per change, not once per accept. krb5_rd_req on a FILE keytab
// opens, locks, reads and parses the whole file for every AP-REQ (and acquiring a default
// acceptor credential reads it again). A snapshot holds the file's entries in a MEMORY
// keytab; it is used while the file keeps its identity (device, inode, size, mtime to the
// nanosecond), checked with one stat per use, so a keytab rewritten by kadmin ktadd or
// ktutil (new kvno) is read again by the next accept.
#pragma once

#include <krb5/krb5.h>
#include <sys/stat.h>

#include <memory>
#include <string>

namespace apx::core {

// What identifies one version of a file's contents.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  timespec mtime{};
  bool operator==(const FileIdentity& o) const;
};
// stat(path): false when the file cannot be stat'd.
[[nodiscard]] bool file_identity(const std::string& path, FileIdentity& out);

class KeytabSnapshot {
 public:
  KeytabSnapshot(const KeytabSnapshot&) = delete;
  KeytabSnapshot& operator=(const KeytabSnapshot&) = delete;
  ~KeytabSnapshot();
  // A MEMORY keytab with the file's entries; valid while this snapshot lives. Safe for
  // several threads at once (libkrb5 locks a MEMORY keytab per call), with any context.
  [[nodiscard]] krb5_keytab keytab() const { return kt_; }
  [[nodiscard]] bool empty() const { return entries_ == 0; }

 private:
  friend class KeytabCache;
  KeytabSnapshot() = default;
  krb5_context ctx_ = nullptr;  // its own: the snapshot may outlive any caller's context
  krb5_keytab kt_ = nullptr;
  FileIdentity id_;
  size_t entries_ = 0;
};

// The current snapshot of the FILE keytab `kt` (opened in `c`), read again when the file
// changed; nullptr when `kt` is not a plain file keytab or cannot be read, and the caller
// then uses `kt` itself as before.
[[nodiscard]] std::shared_ptr<const KeytabSnapshot> keytab_snapshot(krb5_context c, krb5_keytab kt);

}  // namespace apx::core
