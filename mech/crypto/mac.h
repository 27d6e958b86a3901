// The MAC of an enctype (HMAC-SHA1, HMAC-SHA256, HMAC-SHA384 or CMAC), keyed once and
// run per message without allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "base/result.h"
#include "crypto/cmac_key.h"
#include "crypto/hmac_key.h"
#include "crypto/iov.h"
#include "crypto/profile.h"

namespace apx::crypto {

class Mac {
 public:
  [[nodiscard]] static base::Result<Mac> create(const Profile& p, std::span<const uint8_t> key);

  [[nodiscard]] size_t size() const;
  [[nodiscard]] base::Status begin();
  [[nodiscard]] base::Status update(std::span<const uint8_t> data);
  [[nodiscard]] base::Status finish(std::span<uint8_t> out);

  // MAC(prefix | the signed buffers of `iov` in list order), first out.size() bytes.
  [[nodiscard]] base::Status over_iov(std::span<const uint8_t> prefix,
                                      std::span<const CryptoIov> iov, std::span<uint8_t> out);

 private:
  explicit Mac(std::variant<HmacKey, CmacKey> impl) : impl_(std::move(impl)) {}

  std::variant<HmacKey, CmacKey> impl_;
};

}  // namespace apx::crypto
