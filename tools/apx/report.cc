#include "report.h"

#include <cstdio>

namespace apx::cli {
namespace {

const char* label(Outcome o) {
  switch (o) {
    case Outcome::kPass: return "ok";
    case Outcome::kFail: return "FAIL";
    case Outcome::kSkip: return "skip";
    case Outcome::kInfo: return "info";
  }
  return "?";
}

const char* json_label(Outcome o) {
  switch (o) {
    case Outcome::kPass: return "pass";
    case Outcome::kFail: return "fail";
    case Outcome::kSkip: return "skip";
    case Outcome::kInfo: return "info";
  }
  return "?";
}

}  // namespace

void Report::pass(std::string name, std::string text) {
  steps_.push_back({std::move(name), Outcome::kPass, std::move(text)});
}
void Report::fail(std::string name, std::string text) {
  steps_.push_back({std::move(name), Outcome::kFail, std::move(text)});
}
void Report::skip(std::string name, std::string text) {
  steps_.push_back({std::move(name), Outcome::kSkip, std::move(text)});
}
void Report::info(std::string name, std::string text) {
  steps_.push_back({std::move(name), Outcome::kInfo, std::move(text)});
}

bool Report::all_passed() const {
  for (const Step& s : steps_) {
    if (s.outcome == Outcome::kFail || s.outcome == Outcome::kSkip) return false;
  }
  return true;
}

bool Report::failed(const std::string& name) const {
  for (const Step& s : steps_) {
    if (s.name == name && s.outcome == Outcome::kFail) return true;
  }
  return false;
}

void Report::print_text() const {
  for (const Step& s : steps_) {
    std::printf("%-4s  %-9s %s\n", label(s.outcome), s.name.c_str(), s.text.c_str());
  }
  std::printf("apx %s: %s\n", command_.c_str(),
              all_passed() ? "every step passed" : "some steps did not pass");
}

void Report::print_json() const {
  std::string out = "{\"command\":" + json_quote(command_) +
                    ",\"ok\":" + (all_passed() ? "true" : "false") + ",\"steps\":[";
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    if (i != 0) out += ",";
    out += "{\"name\":" + json_quote(s.name) + ",\"result\":\"" + json_label(s.outcome) +
           "\",\"text\":" + json_quote(s.text) + "}";
  }
  out += "]}";
  std::printf("%s\n", out.c_str());
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace apx::cli
