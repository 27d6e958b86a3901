// token::json (the subset MIT's k5_json writes) and token::base64.
#include "token/json.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "token/base64.h"
#include "bytes.h"

namespace apx::token {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Parses exactly `text` from a buffer with nothing after it (ASan sees any overread). The
// value's strings borrow the buffer: it lives as long as the test's process.
std::optional<JsonValue> parse(const std::string& text) {
  static std::vector<std::unique_ptr<test::ExactBuffer>> kept;
  kept.push_back(std::make_unique<test::ExactBuffer>(bytes_of(text), text.size()));
  return json_parse(kept.back()->span());
}

template <class Emit>
std::string write(Emit emit) {
  JsonWriter m;
  emit(m);
  EXPECT_TRUE(m.done());
  std::vector<uint8_t> out(m.size());
  JsonWriter w(out);
  emit(w);
  EXPECT_TRUE(w.done());
  return std::string(out.begin(), out.end());
}

// ---- base64 (RFC 4648 §10 test vectors) ----

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> v[] = {{"", ""},         {"f", "Zg=="},
                                                   {"fo", "Zm8="},   {"foo", "Zm9v"},
                                                   {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : v) {
    std::vector<uint8_t> out(base64_size(plain.size()));
    ASSERT_TRUE(base64_encode(bytes_of(plain), out));
    EXPECT_EQ(std::string(out.begin(), out.end()), coded);
    auto back = base64_decode(bytes_of(coded));
    ASSERT_TRUE(back) << coded;
    EXPECT_EQ(std::string(back->begin(), back->end()), plain);
    auto secret = base64_decode_secret(bytes_of(coded));
    ASSERT_TRUE(secret);
    EXPECT_EQ(secret->size(), plain.size());
  }
  std::vector<uint8_t> all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  std::vector<uint8_t> coded(base64_size(all.size()));
  ASSERT_TRUE(base64_encode(all, coded));
  EXPECT_EQ(base64_decode(coded), all);
}

TEST(Base64, StrictDecodeRefuses) {
  for (const char* bad : {"Z", "Zg", "Zg=", "Zm9vY", "=Zg=", "Z===", "====", "Zg==Zg==",
                          "Zm=v", "Zm9v!A==", "Zm9v Zg==", "Zm9\nv", "Zg-_",
                          "Zh==", "Zm9=" /* leftover bits set */}) {
    EXPECT_FALSE(base64_decode(bytes_of(bad))) << bad;
    EXPECT_FALSE(base64_decode_secret(bytes_of(bad))) << bad;
  }
  std::vector<uint8_t> wrong_size(3);
  EXPECT_FALSE(base64_encode(bytes_of("foo"), wrong_size));
}

// ---- the writer: MIT's encode_value byte for byte ----

TEST(JsonWriter, WritesMitsLayout) {
  const std::string s = write([](JsonWriter& w) {
    w.begin_array();
    w.string("K5C1");
    w.begin_array();
    w.number(1);
    w.null();
    w.boolean(true);
    w.boolean(false);
    w.number(std::numeric_limits<int64_t>::min());
    w.number(std::numeric_limits<int64_t>::max());
    w.begin_array();
    w.end_array();
    w.base64(bytes_of("foob"));
    w.end_array();
    w.end_array();
  });
  EXPECT_EQ(s, "[\"K5C1\",[1,null,true,false,-9223372036854775808,9223372036854775807,[],"
               "\"Zm9vYg==\"]]");
}

TEST(JsonWriter, EscapesAsMit) {
  // json.c: '"', '\\' and 0x01-0x1F are escaped (short forms where JSON has them, else
  // \u00XX in upper case); '/' and bytes above 0x7F are written as they are.
  const std::string in = std::string("a\"b\\c/d\b\f\n\r\t\x01\x1f\x7f\xc3\xa9");
  EXPECT_EQ(write([&](JsonWriter& w) { w.string(in); }),
            "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0001\\u001F\x7f\xc3\xa9\"");
  auto v = parse(write([&](JsonWriter& w) { w.string(in); }));
  ASSERT_TRUE(v);
  EXPECT_EQ(json_text(*v), in);
}

TEST(JsonWriter, WrongBufferSizeIsNotDone) {
  auto emit = [](JsonWriter& w) {
    w.begin_array();
    w.string("abc");
    w.base64(bytes_of("foobar"));
    w.end_array();
  };
  JsonWriter m;
  emit(m);
  for (size_t n : {m.size() - 1, m.size() + 1, size_t{0}}) {
    std::vector<uint8_t> out(n);
    JsonWriter w(out);
    emit(w);
    EXPECT_FALSE(w.done()) << n;
  }
  JsonWriter unbalanced;
  unbalanced.begin_array();
  EXPECT_FALSE(unbalanced.done());
  JsonWriter extra_close;
  extra_close.end_array();
  EXPECT_FALSE(extra_close.done());
}

// ---- the reader ----

TEST(JsonParse, ReadsTheSubset) {
  auto v = parse(" [ \"K5C1\" ,\t[1,-2,0,null,true,false,[],[[]],\"a\\/\\u00e9\\u0041\"]\r\n] ");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->type, JsonType::kArray);
  ASSERT_EQ(v->items.size(), 2u);
  EXPECT_EQ(json_text(v->items[0]), "K5C1");
  const std::vector<JsonValue>& f = v->items[1].items;
  ASSERT_EQ(f.size(), 9u);
  EXPECT_EQ(f[0].number, 1);
  EXPECT_EQ(f[1].number, -2);
  EXPECT_EQ(f[2].number, 0);
  EXPECT_TRUE(f[3].is_null());
  EXPECT_TRUE(f[4].type == JsonType::kBool && f[4].boolean);
  EXPECT_TRUE(f[5].type == JsonType::kBool && !f[5].boolean);
  EXPECT_TRUE(f[6].type == JsonType::kArray && f[6].items.empty());
  EXPECT_EQ(f[7].items.size(), 1u);
  EXPECT_EQ(json_text(f[8]), "a/\xe9" "A");  // \u00XX is that byte, as MIT decodes it
  const base::SecretBytes secret = json_secret_text(f[8]);
  EXPECT_EQ(std::string(secret.span().begin(), secret.span().end()), "a/\xe9" "A");
  auto edge = parse("[9223372036854775807,-9223372036854775808]");
  ASSERT_TRUE(edge);
  EXPECT_EQ(edge->items[0].number, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(edge->items[1].number, std::numeric_limits<int64_t>::min());
}

TEST(JsonParse, RefusesHostileText) {
  const std::string table[] = {
      "", " ", "[", "]", "[1,]", "[,1]", "[1 2]", "[1,,2]", "[[]", "[]]", "[] []",
      "{}", "{\"a\":1}", "[{}]",                                 // objects: not in the subset
      "01", "-", "-0x1", "1.5", "1e3", "1E3", "+1", "--1", "[01]",  // numbers
      "9223372036854775808", "-9223372036854775809", "99999999999999999999999",
      "\"abc", "\"\\\"", "\"\\", "\"\\x\"", "\"\\U0041\"", "\"\\u004\"", "\"\\u00G0\"",
      "\"\\u0000\"", "\"\\u0100\"", "\"\\uFFFF\"",                 // NUL, above 0xFF
      std::string("\"a\nb\""), std::string("\"a\x01" "b\""),      // raw control characters
      std::string("[1]\0", 4), std::string("\"a\0b\"", 5),         // NUL bytes
      "nul", "nulll", "tru", "truex", "False", "NULL", "[null1]",
  };
  for (const std::string& t : table) EXPECT_FALSE(parse(t)) << "accepted: " << t;
}

TEST(JsonParse, NestingAndValueCountAreBounded) {
  const std::string deep_ok = std::string(kJsonMaxDepth, '[') + std::string(kJsonMaxDepth, ']');
  EXPECT_TRUE(parse(deep_ok));
  const std::string deep =
      std::string(kJsonMaxDepth + 1, '[') + std::string(kJsonMaxDepth + 1, ']');
  EXPECT_FALSE(parse(deep));
  const std::string very_deep(1 << 20, '[');  // no stack overflow, just a refusal
  EXPECT_FALSE(json_parse(bytes_of(very_deep)));
  std::string many = "[0";
  for (size_t i = 1; i < kJsonMaxValues; ++i) many += ",0";
  many += "]";
  EXPECT_FALSE(json_parse(bytes_of(many)));  // the array itself is one more value
  many.erase(many.size() - 3, 2);
  EXPECT_TRUE(json_parse(bytes_of(many)));
  EXPECT_FALSE(json_parse(std::vector<uint8_t>(kJsonMaxText + 1, ' ')));
}

TEST(JsonParse, EveryTruncationIsRefused) {
  const std::string text = "[\"K5C1\",[1,[\"a@B\",null,null],true,-5,[[18,\"Zm9v\"]],\"\\u0041\"]]";
  ASSERT_TRUE(parse(text));
  for (size_t n = 0; n < text.size(); ++n)
    EXPECT_FALSE(parse(text.substr(0, n))) << "accepted the first " << n << " bytes";
}

}  // namespace
}  // namespace apx::token
