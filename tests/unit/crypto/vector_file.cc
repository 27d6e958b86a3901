#include "vector_file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#ifndef APX_VECTORS_DIR
#error "APX_VECTORS_DIR must name the known-answer directory"
#endif

namespace apx::test {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::vector<uint8_t> from_hex(std::string_view hex, bool* ok) {
  std::vector<uint8_t> out;
  bool good = hex.size() % 2 == 0;
  for (size_t i = 0; good && i < hex.size(); i += 2) {
    const int hi = hex_digit(hex[i]);
    const int lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) good = false;
    else out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  if (ok) *ok = good;
  return out;
}

std::string to_hex(const std::vector<uint8_t>& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

std::string vectors_dir() {
  const char* env = std::getenv("APX_VECTORS_DIR");
  return env && *env ? env : APX_VECTORS_DIR;
}

std::string Record::where() const {
  return file_ + ":" + std::to_string(line_) + " (" + comment_ + ")";
}

bool Record::has(std::string_view name) const {
  for (const Field& f : fields_)
    if (f.name == name) return true;
  return false;
}

Record::Field* Record::find(std::string_view name) {
  for (Field& f : fields_)
    if (f.name == name) {
      f.read = true;
      return &f;
    }
  ADD_FAILURE() << where() << ": no field " << name;
  return nullptr;
}

std::vector<uint8_t> Record::hex(std::string_view name) {
  const Field* f = find(name);
  if (!f) return {};
  bool ok = false;
  std::vector<uint8_t> v = from_hex(f->value, &ok);
  if (!ok) ADD_FAILURE() << where() << ": " << name << " is not hex: " << f->value;
  return v;
}

uint32_t Record::num(std::string_view name) {
  const Field* f = find(name);
  if (!f) return 0;
  char* end = nullptr;
  const unsigned long v = std::strtoul(f->value.c_str(), &end, 10);
  if (f->value.empty() || *end != '\0' || v > UINT32_MAX)
    ADD_FAILURE() << where() << ": " << name << " is not a number: " << f->value;
  return static_cast<uint32_t>(v);
}

std::string Record::text(std::string_view name) {
  const Field* f = find(name);
  return f ? f->value : std::string();
}

std::vector<std::string> Record::unread() const {
  std::vector<std::string> names;
  for (const Field& f : fields_)
    if (!f.read) names.push_back(f.name);
  return names;
}

VectorFile::VectorFile(const std::string& name, size_t expected_records) : name_(name) {
  const std::string path = vectors_dir() + "/" + name;
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open " << path;
    return;
  }
  std::string line;
  std::string comment;  // first comment line of the current block
  bool in_record = false;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string t = trim(line);
    if (t.empty()) {
      in_record = false;
      comment.clear();
      continue;
    }
    if (t[0] == '#') {
      if (!in_record && comment.empty()) comment = trim(std::string_view(t).substr(1));
      continue;
    }
    const size_t eq = t.find('=');
    if (eq == std::string::npos) {
      ADD_FAILURE() << path << ":" << number << ": not `Name = value`: " << t;
      continue;
    }
    if (!in_record) {
      records_.emplace_back(name, number, comment);
      in_record = true;
    }
    records_.back().add(trim(std::string_view(t).substr(0, eq)),
                        trim(std::string_view(t).substr(eq + 1)));
  }
  EXPECT_EQ(records_.size(), expected_records) << path;
}

VectorFile::~VectorFile() {
  size_t skipped = 0;
  for (const Record& r : records_) {
    const std::vector<std::string> unread = r.unread();
    if (unread.empty()) continue;
    ++skipped;
    std::string names;
    for (const std::string& n : unread) names += " " + n;
    ADD_FAILURE() << r.where() << ": fields never checked:" << names;
  }
  if (skipped) ADD_FAILURE() << name_ << ": " << skipped << " record(s) not fully used";
}

}  // namespace apx::test
