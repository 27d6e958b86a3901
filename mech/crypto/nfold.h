// RFC 3961 §5.1 n-fold. OpenSSL's KRB5KDF applies it to DK constants internally; this
// copy serves string-to-key style constants longer than a block and lets the tests check
// the folding against RFC 3961 Appendix A.1.
#pragma once

#include <cstdint>
#include <span>

namespace apx::crypto {

// Folds `in` (at least one byte) into out.size() bytes (at least one).
void nfold(std::span<const uint8_t> in, std::span<uint8_t> out);

}  // namespace apx::crypto
