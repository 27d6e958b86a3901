// `apx enable` and `apx disable`: the drop-in /etc/gss/mech.d/apx.conf, written atomically
// (a temporary file in the same directory, fsync, rename) so that a mechglue starting at
// that moment reads either the old state or the new one, never half a line.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gssapi/gssapi_apx.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "commands.h"
#include "mech_config.h"

namespace apx::cli {
namespace {

constexpr const char* kDefaultMechDir = "/etc/gss/mech.d";
constexpr const char* kDropIn = "apx.conf";

int complain(const std::string& what) {
  std::fprintf(stderr, "apx: %s\n", what.c_str());
  return 1;
}

bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Writes `text` to dir/name through a temporary file and rename(2).
int replace_file(const std::string& dir, const std::string& name, const std::string& text) {
  std::string tmp = dir + "/." + name + ".XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) return complain("cannot create a file in " + dir + ": " + std::strerror(errno));
  bool ok = fchmod(fd, 0644) == 0 && write_all(fd, text) && fsync(fd) == 0;
  int saved = errno;
  ok = close(fd) == 0 && ok;
  if (ok && rename(tmp.c_str(), (dir + "/" + name).c_str()) == 0) {
    if (int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
      (void)fsync(dfd);  // the rename itself durable; a failure here changes nothing read
      close(dfd);
    }
    return 0;
  }
  saved = saved != 0 ? saved : errno;
  unlink(tmp.c_str());
  return complain("cannot write " + dir + "/" + name + ": " + std::strerror(saved));
}

struct EnableOptions {
  bool standalone = false;
  std::string dir_option;
  std::string module = kInstalledModule;
};

bool parse(const Args& args, EnableOptions& o, bool enable) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (enable && args[i] == "--standalone") {
      o.standalone = true;
    } else if (args[i] == "--mech-dir" && i + 1 < args.size()) {
      o.dir_option = args[++i];
    } else if (enable && args[i] == "--module" && i + 1 < args.size()) {
      o.module = args[++i];
    } else {
      complain("unexpected argument '" + args[i] + "' (see apx(8))");
      return false;
    }
  }
  return true;
}

}  // namespace

std::string mech_dir(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* env = std::getenv("APX_MECH_DIR"); env != nullptr && *env != '\0') return env;
  return kDefaultMechDir;
}

int run_enable(const Args& args) {
  EnableOptions o;
  if (!parse(args, o, true)) return 2;
  const std::string dir = mech_dir(o.dir_option);
  const std::string path = dir + "/" + kDropIn;
  if (o.module.empty() || o.module[0] != '/' || access(o.module.c_str(), R_OK) != 0)
    return complain("the module " + o.module + " is not there: the mechglue would skip it "
                    "without a word; install apx (or pass --module with an absolute path)");
  struct stat st{};
  if (lstat(path.c_str(), &st) == 0 && !written_by_apx(path))
    return complain(path + " was not written by `apx enable`: leaving it alone; move it "
                    "away yourself, then run `apx enable` again");
  if (int rc = replace_file(dir, kDropIn, drop_in_text(o.standalone, o.module)); rc != 0)
    return rc;
  std::printf("apx: wrote %s (%s); new processes now use apx%s. `apx status` shows it, "
              "`apx disable` goes back.\n", path.c_str(),
              o.standalone ? "standalone, OID " APX_MECH_OID_STRING : "interposer",
              o.standalone ? " when they ask for its OID" : " for Kerberos");
  return 0;
}

int run_disable(const Args& args) {
  EnableOptions o;
  if (!parse(args, o, false)) return 2;
  const std::string path = mech_dir(o.dir_option) + "/" + kDropIn;
  struct stat st{};
  if (lstat(path.c_str(), &st) != 0) {
    std::printf("apx: %s is not there: apx was not enabled; nothing to do.\n", path.c_str());
    return 0;
  }
  if (!written_by_apx(path))
    return complain(path + " was not written by `apx enable`: leaving it alone; remove "
                    "it yourself if it should go");
  if (unlink(path.c_str()) != 0)
    return complain("cannot remove " + path + ": " + std::strerror(errno));
  std::printf("apx: removed %s; new processes use MIT's built-in Kerberos mechanism.\n",
              path.c_str());
  return 0;
}

}  // namespace apx::cli
