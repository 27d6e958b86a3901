#include "iov_util.h"

#include <algorithm>
#include <stdexcept>

namespace apx::test {

std::vector<crypto::CryptoIov> iov_of(std::vector<Segment>& segs) {
  std::vector<crypto::CryptoIov> iov;
  for (Segment& s : segs) iov.push_back({s.kind, std::span<uint8_t>(s.bytes)});
  return iov;
}

std::vector<Segment> split(crypto::IovKind kind, const std::vector<uint8_t>& bytes,
                           std::mt19937& rng, size_t max_pieces) {
  const size_t pieces = std::uniform_int_distribution<size_t>(1, max_pieces)(rng);
  std::vector<size_t> cuts;
  for (size_t i = 1; i < pieces; ++i)
    cuts.push_back(std::uniform_int_distribution<size_t>(0, bytes.size())(rng));
  std::sort(cuts.begin(), cuts.end());
  cuts.push_back(bytes.size());
  std::vector<Segment> out;
  size_t at = 0;
  for (size_t c : cuts) {
    out.push_back({kind, std::vector<uint8_t>(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                              bytes.begin() + static_cast<std::ptrdiff_t>(c))});
    at = c;
  }
  return out;
}

std::vector<uint8_t> concat(const std::vector<Segment>& segs, bool (*select)(crypto::IovKind)) {
  std::vector<uint8_t> out;
  for (const Segment& s : segs)
    if (select(s.kind)) out.insert(out.end(), s.bytes.begin(), s.bytes.end());
  return out;
}

Segment& first_of(std::vector<Segment>& segs, crypto::IovKind kind) {
  for (Segment& s : segs)
    if (s.kind == kind) return s;
  throw std::logic_error("no segment of the requested kind");
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

}  // namespace apx::test
