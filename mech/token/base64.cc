#include "token/base64.h"

#include <algorithm>
#include <array>

namespace apx::token {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kInvalid = 0xFF;

constexpr std::array<uint8_t, 256> make_values() {
  std::array<uint8_t, 256> v{};
  for (auto& x : v) x = kInvalid;
  for (uint8_t i = 0; i < 64; ++i) v[static_cast<uint8_t>(kAlphabet[i])] = i;
  return v;
}
constexpr std::array<uint8_t, 256> kValues = make_values();

// The decoded size of strict base64 text, or nullopt. RFC 4648 §4: groups of 4
// characters; the last may end in "=" (2 bytes) or "==" (1 byte), nowhere else. §3.5:
// the bits the padding leaves over are zero, so each byte string has one encoding (what
// every encoder, MIT's included, writes).
std::optional<size_t> decoded_size(std::span<const uint8_t> text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  for (size_t i = 0; i < text.size() - pad; ++i)
    if (kValues[text[i]] == kInvalid) return std::nullopt;
  if (pad == 1 && (kValues[text[text.size() - 2]] & 0x3) != 0) return std::nullopt;
  if (pad == 2 && (kValues[text[text.size() - 3]] & 0xF) != 0) return std::nullopt;
  return text.size() / 4 * 3 - pad;
}

// Decodes text already checked by decoded_size into exactly out.size() bytes.
void decode_into(std::span<const uint8_t> text, std::span<uint8_t> out) {
  size_t o = 0;
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t group = 0;
    for (size_t k = 0; k < 4; ++k) {
      const uint8_t c = text[i + k];
      group = (group << 6) | (c == '=' ? 0 : kValues[c]);
    }
    for (size_t k = 0; k < 3 && o < out.size(); ++k)
      out[o++] = static_cast<uint8_t>(group >> (16 - 8 * k));
  }
}

}  // namespace

bool base64_encode(std::span<const uint8_t> in, std::span<uint8_t> out) {
  if (out.size() != base64_size(in.size())) return false;
  size_t o = 0;
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t group = uint32_t{in[i]} << 16;
    if (n > 1) group |= uint32_t{in[i + 1]} << 8;
    if (n > 2) group |= in[i + 2];
    for (size_t k = 0; k < 4; ++k)
      out[o++] = k <= n ? static_cast<uint8_t>(kAlphabet[(group >> (18 - 6 * k)) & 0x3F]) : '=';
  }
  return true;
}

std::optional<std::vector<uint8_t>> base64_decode(std::span<const uint8_t> text) {
  const std::optional<size_t> n = decoded_size(text);
  if (!n) return std::nullopt;
  std::vector<uint8_t> out(*n);
  decode_into(text, out);
  return out;
}

std::optional<base::SecretBytes> base64_decode_secret(std::span<const uint8_t> text) {
  const std::optional<size_t> n = decoded_size(text);
  if (!n) return std::nullopt;
  base::SecretBytes out(*n);
  decode_into(text, out.span());
  return out;
}

}  // namespace apx::token
