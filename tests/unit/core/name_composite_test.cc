// RFC 6680 composite exported names (TOK_ID 04 02) in MIT's layout: tokens MIT's mechanism
// wrote (tests/fuzz/corpus/fuzz_name/composite-*) import with their attributes and export
// again byte for byte; every truncation and every flipped octet is refused with
// GSS_S_BAD_NAME or read as a valid name, never past the token (the ASan build runs this).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "core/name.h"
#include "core/oids.h"

namespace apx::core {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes seed(const std::string& name) {
  std::ifstream f(std::string(APX_FUZZ_CORPUS) + "/fuzz_name/" + name, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::vector<std::string> types(Name& n, const k5::Context& ctx) {
  std::vector<std::string> out;
  EXPECT_EQ(n.attributes().types(ctx, out), 0);
  return out;
}

TEST(CompositeName, MitTokenImportsWithItsAttributesAndExportsTheSame) {
  auto ctx = k5::Context::create();
  ASSERT_TRUE(ctx);
  for (const char* file : {"composite-pac", "composite-indicators"}) {
    SCOPED_TRACE(file);
    const Bytes tok = seed(file);
    ASSERT_GT(tok.size(), 100u);
    auto n = Name::import(tok, &kNtCompositeExport);
    ASSERT_TRUE(n);
    const auto list = types(*n, *ctx);
    ASSERT_FALSE(list.empty());
    EXPECT_EQ(list.front(), "urn:mspac:");
    // The PAC was verified where it was accepted: the mark travels with the name.
    k5::AttributeValue v;
    int more = -1;
    const std::string attr = "urn:mspac:client-info";
    ASSERT_EQ(n->attributes().get(*ctx, {reinterpret_cast<const uint8_t*>(attr.data()),
                                         attr.size()}, &more, v), 0);
    EXPECT_TRUE(v.authenticated);
    EXPECT_TRUE(v.complete);
    const auto again = n->export_composite(*ctx, kMechKrb5);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, tok);
    // A copy is deep: a PAC set on it (not verified, so MIT's module withholds its
    // buffers) leaves the original's verified PAC alone.
    const std::string whole = "urn:mspac:";
    const std::span<const uint8_t> whole_name(reinterpret_cast<const uint8_t*>(whole.data()),
                                              whole.size());
    k5::AttributeValue pac;
    more = -1;
    ASSERT_EQ(n->attributes().get(*ctx, whole_name, &more, pac), 0);
    Name copy = *n;
    ASSERT_EQ(copy.attributes().set(*ctx, true, whole_name, pac.value), 0);
    more = -1;
    EXPECT_EQ(copy.attributes().get(*ctx, whole_name, &more, v), ENOENT);
    more = -1;
    EXPECT_EQ(n->attributes().get(*ctx, whole_name, &more, v), 0);
    EXPECT_TRUE(v.authenticated);
  }
  const auto ind = Name::import(seed("composite-indicators"), &kNtExport);  // either type
  ASSERT_TRUE(ind);
}

TEST(CompositeName, WithoutAttributesIsMitsTExportNameToken) {
  auto ctx = k5::Context::create();
  ASSERT_TRUE(ctx);
  const Bytes tok = seed("composite-empty");
  auto n = Name::import(tok, &kNtCompositeExport);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->display(), "a@b");
  EXPECT_TRUE(n->attributes().empty());
  const auto again = n->export_composite(*ctx, kMechKrb5);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, tok);
  // A plain exported name has no attributes either; gss_inquire_name lists none.
  EXPECT_TRUE(types(*n, *ctx).empty());
}

TEST(CompositeName, EveryTruncationIsBadName) {
  const Bytes tok = seed("composite-pac");
  ASSERT_FALSE(tok.empty());
  for (size_t len = 0; len < tok.size(); ++len) {
    const auto n = Name::import({tok.data(), len}, &kNtCompositeExport);
    ASSERT_FALSE(n) << "length " << len;
    EXPECT_EQ(n.error().major(), static_cast<OM_uint32>(GSS_S_BAD_NAME)) << "length " << len;
  }
  Bytes longer = tok;
  longer.push_back(0);
  const auto n = Name::import(longer, &kNtCompositeExport);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().major(), static_cast<OM_uint32>(GSS_S_BAD_NAME));
}

TEST(CompositeName, EveryFlippedOctetIsBadNameOrAName) {
  const Bytes tok = seed("composite-pac");
  ASSERT_FALSE(tok.empty());
  for (size_t i = 0; i < tok.size(); ++i) {
    for (int mask : {0x01, 0x80, 0xff}) {
      Bytes t = tok;
      t[i] = static_cast<uint8_t>(t[i] ^ mask);
      const auto n = Name::import(t, &kNtCompositeExport);
      if (!n) {
        EXPECT_EQ(n.error().major(), static_cast<OM_uint32>(GSS_S_BAD_NAME)) << "octet " << i;
      }
    }
  }
}

}  // namespace
}  // namespace apx::core
