#include "base/status.h"

#include <cerrno>
#include <map>

namespace apx::base {
namespace {
// The last explanation saved for each minor code on this thread; bounded because the set
// of codes a thread sees is.
thread_local std::map<OM_uint32, std::string> t_details;
constexpr size_t kMaxDetails = 64;
}  // namespace

Status Status::no_memory() { return {GSS_S_FAILURE, ENOMEM}; }

void set_detail(OM_uint32 minor, std::string text) {
  if (minor == 0) return;
  if (t_details.size() >= kMaxDetails && !t_details.contains(minor)) t_details.clear();
  t_details[minor] = std::move(text);
}

std::string detail_for(OM_uint32 minor) {
  auto it = t_details.find(minor);
  return it == t_details.end() ? std::string() : it->second;
}

Status with_detail(Status s, std::string text) {
  set_detail(s.minor(), std::move(text));
  return s;
}

Status with_detail_parts(Status s, const std::string& first, const std::string& second) {
  if (second.empty()) return with_detail(s, first);
  return with_detail(s, first + kDetailPartBreak + second);
}

}  // namespace apx::base
