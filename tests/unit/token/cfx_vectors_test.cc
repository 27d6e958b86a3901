// parse_cfx_header and copy_unrotated against the 240 MIC and Wrap tokens made by MIT
// krb5 1.20.1's own mechanism (../shared/vectors/rfc4121_mit_tokens.txt).
#include <gssapi/gssapi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "base/minor.h"
#include "bytes.h"
#include "token/cfx.h"

#ifndef APX_VECTORS_DIR
#error "APX_VECTORS_DIR must name the known-answer directory"
#endif

namespace apx::token {
namespace {

// One `Name = value` block. Every field a test uses is taken with take(); the test then
// checks that no field of a token record was left unread.
struct Record {
  int line = 0;
  std::string comment;
  std::map<std::string, std::string> fields;
  std::map<std::string, bool> read;

  bool has(const std::string& name) const { return fields.count(name) != 0; }
  std::string take(const std::string& name) {
    auto it = fields.find(name);
    if (it == fields.end()) {
      ADD_FAILURE() << "line " << line << ": no field " << name;
      return {};
    }
    read[name] = true;
    return it->second;
  }
  uint64_t number(const std::string& name) { return std::stoull(take(name)); }
  std::vector<uint8_t> bytes(const std::string& name) { return test::hex(take(name)); }
  std::string where() const { return "line " + std::to_string(line) + ": " + comment; }
};

std::string vectors_dir() {
  const char* env = std::getenv("APX_VECTORS_DIR");
  return env && *env ? env : APX_VECTORS_DIR;
}

std::vector<Record> load(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<Record> out;
  Record cur;
  std::string line;
  int n = 0;
  auto flush = [&] {
    if (!cur.fields.empty()) out.push_back(std::move(cur));
    cur = Record{};
  };
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#') {
      if (cur.comment.empty()) cur.comment = line;
      continue;
    }
    const size_t eq = line.find(" =");
    if (eq == std::string::npos) {
      ADD_FAILURE() << path << ":" << n << ": not a field: " << line;
      continue;
    }
    if (cur.fields.empty()) cur.line = n;
    std::string value = line.substr(eq + 2);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    cur.fields[line.substr(0, eq)] = value;
  }
  flush();
  return out;
}

uint8_t byte_of(const std::vector<uint8_t>& v) {
  EXPECT_EQ(v.size(), 1u);
  return v.empty() ? 0 : v[0];
}

uint16_t u16_of(const std::vector<uint8_t>& v) {
  EXPECT_EQ(v.size(), 2u);
  return v.size() == 2 ? static_cast<uint16_t>(v[0] << 8 | v[1]) : 0;
}

// conf_req = 0 Wrap (RFC 4121 §4.2.4): after the header, plaintext | checksum of EC
// octets, rotated right by RRC. Undo the rotation and find the plaintext again.
void check_unrotated_plaintext(Record& r, std::span<const uint8_t> token, const CfxHeader& h) {
  const std::vector<uint8_t> plaintext = r.bytes("Plaintext");
  std::span<const uint8_t> rotated = token.subspan(kCfxHeaderSize);
  ASSERT_EQ(rotated.size(), plaintext.size() + h.ec);
  std::vector<uint8_t> data(rotated.size());
  copy_unrotated(rotated, h.rrc, data);
  EXPECT_TRUE(std::equal(plaintext.begin(), plaintext.end(), data.begin()));
}

TEST(CfxMitVectors, HeadersOfEveryMitToken) {
  std::vector<Record> records = load(vectors_dir() + "/rfc4121_mit_tokens.txt");
  size_t contexts = 0, mics = 0, wraps = 0, unrotated = 0;
  for (Record& r : records) {
    SCOPED_TRACE(r.where());
    if (r.has("Record")) {
      EXPECT_EQ(r.take("Record"), "context");
      ++contexts;
      continue;
    }
    ASSERT_TRUE(r.has("Token"));
    const std::vector<uint8_t> token = r.bytes("Token");
    const uint16_t tok_id = u16_of(r.bytes("TokID"));
    test::ExactBuffer exact(token, token.size());
    auto h = parse_cfx_header(exact.span(), tok_id);
    ASSERT_TRUE(h.has_value()) << base::minor_text(h.error().minor());
    EXPECT_EQ(h->tok_id, tok_id);
    EXPECT_EQ(h->flags, byte_of(r.bytes("Flags")));
    EXPECT_EQ(h->seq, r.number("SeqNum"));
    EXPECT_EQ(h->ec, r.number("EC"));
    EXPECT_EQ(h->rrc, r.number("RRC"));

    // The flags agree with how the token was made (RFC 4121 §4.2.2).
    EXPECT_EQ((h->flags & kFlagSentByAcceptor) != 0, r.take("Sender") == "acceptor");
    EXPECT_EQ((h->flags & kFlagAcceptorSubkey) != 0, r.number("AcceptorSubkeyFlag") == 1);
    const std::string function = r.take("Function");
    const uint16_t other = tok_id == kTokMic ? kTokWrap : kTokMic;
    auto wrong = parse_cfx_header(exact.span(), other);
    ASSERT_FALSE(wrong.has_value());
    EXPECT_EQ(wrong.error().minor(), base::code(base::Minor::kTokenWrongTokId));
    if (tok_id == kTokMic) {
      EXPECT_EQ(function, "gss_get_mic");
      EXPECT_EQ(h->flags & kFlagSealed, 0);
      ++mics;
    } else {
      EXPECT_NE(function, "gss_get_mic");
      const bool conf = r.number("ConfReq") == 1;
      EXPECT_EQ((h->flags & kFlagSealed) != 0, conf);
      if (!conf) {
        check_unrotated_plaintext(r, exact.span(), *h);
        ++unrotated;
      }
      ++wraps;
    }
  }
  EXPECT_EQ(contexts, 16u);
  EXPECT_EQ(mics, 48u);
  EXPECT_EQ(wraps, 192u);
  EXPECT_EQ(unrotated, 96u);
  // The key material and plaintexts of the other records belong to the crypto tests.
  size_t unread_token_records = 0;
  for (const Record& r : records) {
    if (r.has("Record")) continue;
    for (const char* f : {"Token", "TokID", "Flags", "SeqNum", "EC", "RRC", "Sender",
                          "AcceptorSubkeyFlag", "Function"}) {
      if (!r.read.count(f)) ++unread_token_records;
    }
  }
  EXPECT_EQ(unread_token_records, 0u);
}

}  // namespace
}  // namespace apx::token
