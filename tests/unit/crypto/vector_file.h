// Reader for the known-answer files in ../shared/vectors (`Name = value` records
// separated by blank lines, `#` comments). Every field a test reads is marked; when the
// file object goes away, any record with a field nobody read fails the running test, so a
// record cannot be skipped silently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace apx::test {

std::vector<uint8_t> from_hex(std::string_view hex, bool* ok = nullptr);
std::string to_hex(const std::vector<uint8_t>& bytes);

class Record {
 public:
  Record(std::string file, int line, std::string comment)
      : file_(std::move(file)), line_(line), comment_(std::move(comment)) {}

  // "file:line (first comment line)", for SCOPED_TRACE.
  [[nodiscard]] std::string where() const;
  [[nodiscard]] bool has(std::string_view name) const;

  // Each accessor marks the field read; a missing or malformed field fails the test.
  std::vector<uint8_t> hex(std::string_view name);
  uint32_t num(std::string_view name);
  std::string text(std::string_view name);

  void add(std::string name, std::string value) {
    fields_.push_back({std::move(name), std::move(value), false});
  }
  [[nodiscard]] std::vector<std::string> unread() const;

 private:
  struct Field {
    std::string name;
    std::string value;
    bool read;
  };
  Field* find(std::string_view name);

  std::string file_;
  int line_;
  std::string comment_;
  std::vector<Field> fields_;
};

class VectorFile {
 public:
  // Loads `name` from the vectors directory and fails the test unless it holds exactly
  // `expected_records` records (the counts its README states).
  VectorFile(const std::string& name, size_t expected_records);
  ~VectorFile();
  VectorFile(const VectorFile&) = delete;
  VectorFile& operator=(const VectorFile&) = delete;

  std::vector<Record>& records() { return records_; }

 private:
  std::string name_;
  std::vector<Record> records_;
};

// The vectors directory: $APX_VECTORS_DIR, else the path configured at build time.
std::string vectors_dir();

}  // namespace apx::test
