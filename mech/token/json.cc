#include "token/json.h"

#include <limits>

#include "token/base64.h"

namespace apx::token {

namespace {

// RFC 8259 §7 short escapes, as MIT's json.c quotemap (the JSON letter and the byte).
constexpr std::string_view kEscapeLetters = "\"\\/bfnrt";
constexpr std::string_view kEscapeBytes = "\"\\/\b\f\n\r\t";

bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

int hex_value(uint8_t c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A recursive-descent reader over the text. Every step checks the end of the text;
// nesting is bounded by kJsonMaxDepth, the number of values by kJsonMaxValues.
class Parser {
 public:
  explicit Parser(std::span<const uint8_t> text) : text_(text) {}

  bool value(JsonValue& out, size_t depth) {
    skip_space();
    if (++values_ > kJsonMaxValues || at_end()) return false;
    const uint8_t c = text_[pos_];
    if (c == '[') return array(out, depth);
    if (c == '"') return string(out);
    if (c == '-' || is_digit(c)) return number(out);
    if (literal("null")) {
      out.type = JsonType::kNull;
      return true;
    }
    for (const bool b : {true, false}) {
      if (literal(b ? "true" : "false")) {
        out.type = JsonType::kBool;
        out.boolean = b;
        return true;
      }
    }
    return false;  // objects and anything else
  }

  bool finished() {
    skip_space();
    return at_end();
  }

 private:
  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }

  void skip_space() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r' ||
                         text_[pos_] == '\n'))
      ++pos_;
  }

  bool literal(std::string_view word) {
    if (text_.size() - pos_ < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
      if (text_[pos_ + i] != static_cast<uint8_t>(word[i])) return false;
    pos_ += word.size();
    return true;
  }

  bool array(JsonValue& out, size_t depth) {
    if (depth + 1 > kJsonMaxDepth) return false;
    ++pos_;  // '['
    out.type = JsonType::kArray;
    skip_space();
    if (!at_end() && text_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      out.items.emplace_back();
      if (!value(out.items.back(), depth + 1)) return false;
      skip_space();
      if (at_end()) return false;
      const uint8_t c = text_[pos_++];
      if (c == ']') return true;
      if (c != ',') return false;
    }
  }

  // RFC 8259 §6 integers only (MIT: "we do not allow floating-point numbers"), within
  // int64 as MIT's parse_number, without the leading zeros JSON forbids.
  bool number(JsonValue& out) {
    const bool negative = text_[pos_] == '-';
    if (negative) ++pos_;
    const size_t start = pos_;
    uint64_t magnitude = 0;
    const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    while (!at_end() && is_digit(text_[pos_])) {
      const uint64_t d = text_[pos_] - '0';
      if (magnitude > (limit - d) / 10) return false;
      magnitude = magnitude * 10 + d;
      ++pos_;
    }
    const size_t digits = pos_ - start;
    if (digits == 0 || (digits > 1 && text_[start] == '0')) return false;
    if (!at_end() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E'))
      return false;
    out.type = JsonType::kNumber;
    out.number = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    return true;
  }

  // RFC 8259 §7. MIT's encoder escapes every control character and decodes \u only up to
  // 0xFF (as that byte): refuse what it would never write, and \u0000, which would end the
  // C string MIT reads early.
  bool string(JsonValue& out) {
    const size_t start = ++pos_;
    while (!at_end()) {
      const uint8_t c = text_[pos_];
      if (c == '"') {
        out.type = JsonType::kString;
        out.raw = text_.subspan(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;
      if (c != '\\') {
        ++pos_;
        continue;
      }
      if (text_.size() - pos_ < 2) return false;
      const uint8_t e = text_[pos_ + 1];
      if (e == 'u') {
        if (text_.size() - pos_ < 6) return false;
        int code = 0;
        for (size_t k = 2; k < 6; ++k) {
          const int h = hex_value(text_[pos_ + k]);
          if (h < 0) return false;
          code = code * 16 + h;
        }
        if (code == 0 || code > 0xFF) return false;
        pos_ += 6;
      } else {
        if (kEscapeLetters.find(static_cast<char>(e)) == std::string_view::npos) return false;
        pos_ += 2;
      }
    }
    return false;
  }

  std::span<const uint8_t> text_;
  size_t pos_ = 0;
  size_t values_ = 0;
};

// Calls put(byte) for each byte of a validated string's value.
template <class Put>
void unescape(std::span<const uint8_t> raw, Put&& put) {
  for (size_t i = 0; i < raw.size();) {
    if (raw[i] != '\\') {
      put(raw[i++]);
    } else if (raw[i + 1] == 'u') {
      put(static_cast<uint8_t>(hex_value(raw[i + 4]) * 16 + hex_value(raw[i + 5])));
      i += 6;
    } else {
      put(static_cast<uint8_t>(kEscapeBytes[kEscapeLetters.find(static_cast<char>(raw[i + 1]))]));
      i += 2;
    }
  }
}

}  // namespace

std::optional<JsonValue> json_parse(std::span<const uint8_t> text) {
  if (text.size() > kJsonMaxText) return std::nullopt;
  Parser p(text);
  JsonValue v;
  if (!p.value(v, 0) || !p.finished()) return std::nullopt;
  return v;
}

std::string json_text(const JsonValue& v) {
  std::string out;
  if (v.type != JsonType::kString) return out;
  out.reserve(v.raw.size());
  unescape(v.raw, [&](uint8_t b) { out.push_back(static_cast<char>(b)); });
  return out;
}

base::SecretBytes json_secret_text(const JsonValue& v) {
  if (v.type != JsonType::kString) return {};
  size_t n = 0;
  unescape(v.raw, [&](uint8_t) { ++n; });
  base::SecretBytes out(n);
  size_t i = 0;
  unescape(v.raw, [&](uint8_t b) { out.data()[i++] = b; });
  return out;
}

void JsonWriter::put(uint8_t c) {
  if (!measuring_) {
    if (pos_ >= out_.size()) {
      ok_ = false;
      return;
    }
    out_[pos_] = c;
  }
  ++pos_;
}

void JsonWriter::put(std::string_view s) {
  for (char c : s) put(static_cast<uint8_t>(c));
}

void JsonWriter::value_start() {
  if (depth_ == 0) return;
  const uint64_t bit = uint64_t{1} << (depth_ - 1);
  if (has_items_ & bit) put(',');
  has_items_ |= bit;
}

void JsonWriter::begin_array() {
  value_start();
  if (depth_ >= 64) {
    ok_ = false;
    return;
  }
  put('[');
  ++depth_;
  has_items_ &= ~(uint64_t{1} << (depth_ - 1));
}

void JsonWriter::end_array() {
  if (depth_ == 0) {
    ok_ = false;
    return;
  }
  --depth_;
  put(']');
}

void JsonWriter::null() {
  value_start();
  put("null");
}

void JsonWriter::boolean(bool b) {
  value_start();
  put(b ? "true" : "false");
}

void JsonWriter::number(int64_t n) {
  value_start();
  if (n < 0) put('-');
  // Magnitude as unsigned: INT64_MIN has no positive int64.
  uint64_t m = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  char digits[20];
  size_t k = 0;
  do {
    digits[k++] = static_cast<char>('0' + m % 10);
    m /= 10;
  } while (m != 0);
  while (k > 0) put(static_cast<uint8_t>(digits[--k]));
}

void JsonWriter::string(std::string_view s) {
  string(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

void JsonWriter::string(std::span<const uint8_t> s) {
  constexpr char kHex[] = "0123456789ABCDEF";
  value_start();
  put('"');
  for (uint8_t c : s) {
    // MIT's encode_string: '"', '\\' and bytes 0x01-0x1F are escaped; '/' is not.
    const size_t short_form = kEscapeBytes.find(static_cast<char>(c));
    if (c == '"' || c == '\\' || (c < 0x20 && short_form != std::string_view::npos)) {
      put('\\');
      put(static_cast<uint8_t>(kEscapeLetters[short_form]));
    } else if (c < 0x20) {
      put("\\u00");
      put(static_cast<uint8_t>(kHex[c >> 4]));
      put(static_cast<uint8_t>(kHex[c & 0xF]));
    } else {
      put(c);
    }
  }
  put('"');
}

void JsonWriter::base64(std::span<const uint8_t> bytes) {
  value_start();
  put('"');
  const size_t n = base64_size(bytes.size());
  if (measuring_) {
    pos_ += n;
  } else if (out_.size() - pos_ < n) {  // put() never moves pos_ past the end
    ok_ = false;
  } else if (!base64_encode(bytes, out_.subspan(pos_, n))) {
    ok_ = false;
  } else {
    pos_ += n;
  }
  put('"');
}

}  // namespace apx::token
