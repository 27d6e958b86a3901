// The outcome of `apx status` and `apx doctor`: one line per step, what was seen and, for a
// failure, what to do, in the style of apx's gss_display_status texts. `--json` prints
// the same steps as one JSON object for machines.
#pragma once

#include <string>
#include <vector>

namespace apx::cli {

enum class Outcome { kPass, kFail, kSkip, kInfo };

struct Step {
  std::string name;  // "module", "ticket", ...
  Outcome outcome;
  std::string text;  // what was seen; for kFail also what to do
};

class Report {
 public:
  explicit Report(std::string command) : command_(std::move(command)) {}

  void pass(std::string name, std::string text);
  void fail(std::string name, std::string text);
  void skip(std::string name, std::string text);
  void info(std::string name, std::string text);

  // True when no step failed or was skipped: the exit status is 0 only then.
  [[nodiscard]] bool all_passed() const;
  [[nodiscard]] bool failed(const std::string& name) const;

  void print_text() const;
  void print_json() const;

 private:
  std::string command_;
  std::vector<Step> steps_;
};

// `s` as a JSON string literal (RFC 8259 §7), quotes included.
[[nodiscard]] std::string json_quote(const std::string& s);

}  // namespace apx::cli
