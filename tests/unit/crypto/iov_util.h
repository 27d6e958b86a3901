// Test helpers: messages held as owned segments, viewed as CryptoIov lists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "crypto/iov.h"

namespace apx::test {

struct Segment {
  crypto::IovKind kind;
  std::vector<uint8_t> bytes;
};

// A CryptoIov list over `segs` (valid while `segs` is neither resized nor reassigned).
std::vector<crypto::CryptoIov> iov_of(std::vector<Segment>& segs);

// `bytes` cut at random points into 1..max_pieces segments of `kind` (empty ones included).
std::vector<Segment> split(crypto::IovKind kind, const std::vector<uint8_t>& bytes,
                           std::mt19937& rng, size_t max_pieces);

// The bytes of the segments `select` accepts, concatenated.
std::vector<uint8_t> concat(const std::vector<Segment>& segs, bool (*select)(crypto::IovKind));

// The first segment of `kind` (a test bug if none).
Segment& first_of(std::vector<Segment>& segs, crypto::IovKind kind);

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n);

inline bool is_data(crypto::IovKind k) { return k == crypto::IovKind::data; }

}  // namespace apx::test
