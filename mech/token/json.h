// apx::token JSON — the subset of JSON (RFC 8259) that MIT krb5's k5_json writes for
// exported credentials: null, true/false, integers, strings, arrays. Objects and
// fractional numbers are refused (MIT's credential tokens have none).
//
// The reader is bounded (text size, nesting depth, value count), never reads past the
// text, and refuses what MIT's writer never produces and would read differently: NUL
// bytes, raw control characters in strings, \u escapes above 0xFF or of NUL, leading
// zeros, numbers outside int64. String values borrow the text in their escaped form; the
// unescape helpers decode them on demand.
//
// The writer is length first, like token::Writer: run the same calls once on a measuring
// JsonWriter, allocate size(), then write for real and check done().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/secret_bytes.h"

namespace apx::token {

enum class JsonType : uint8_t { kNull, kBool, kNumber, kString, kArray };

struct JsonValue {
  JsonType type = JsonType::kNull;
  bool boolean = false;                // kBool
  int64_t number = 0;                  // kNumber
  std::span<const uint8_t> raw;        // kString: between the quotes, escaped (borrowed)
  std::vector<JsonValue> items;        // kArray

  [[nodiscard]] bool is_null() const { return type == JsonType::kNull; }
};

// Bounds on untrusted text: MIT's decoder nests at most 64 deep (json.c MAX_DECODE_DEPTH).
inline constexpr size_t kJsonMaxText = size_t{8} << 20;
inline constexpr size_t kJsonMaxDepth = 64;
inline constexpr size_t kJsonMaxValues = size_t{1} << 18;

// One JSON value filling the whole text (whitespace around it allowed); nullopt when the
// text is not JSON of the subset above or exceeds a bound.
[[nodiscard]] std::optional<JsonValue> json_parse(std::span<const uint8_t> text);

// A string value's bytes with escapes resolved (the parser validated them).
[[nodiscard]] std::string json_text(const JsonValue& v);
// The same into wiped memory, for strings that carry secrets (base64 keys, passwords).
[[nodiscard]] base::SecretBytes json_secret_text(const JsonValue& v);

class JsonWriter {
 public:
  JsonWriter() = default;  // measures only
  explicit JsonWriter(std::span<uint8_t> out) : out_(out), measuring_(false) {}

  void begin_array();
  void end_array();
  void null();
  void boolean(bool b);
  void number(int64_t n);
  // Escaped as MIT's encode_string: '"', '\\' and control characters.
  void string(std::string_view s);
  void string(std::span<const uint8_t> s);
  // RFC 4648 §4 base64 with padding, as a string (MIT's k5_json "B" format).
  void base64(std::span<const uint8_t> bytes);

  [[nodiscard]] size_t size() const { return pos_; }
  // Every byte of the output written, arrays closed, nothing overflowed.
  [[nodiscard]] bool done() const {
    return ok_ && depth_ == 0 && (measuring_ || pos_ == out_.size());
  }

 private:
  void value_start();
  void put(uint8_t c);
  void put(std::string_view s);

  std::span<uint8_t> out_;
  bool measuring_ = true;
  size_t pos_ = 0;
  bool ok_ = true;
  size_t depth_ = 0;
  uint64_t has_items_ = 0;  // bit d: the array at depth d already holds a value
};

}  // namespace apx::token
