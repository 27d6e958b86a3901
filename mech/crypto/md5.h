// MD5, used only where RFC 4121 §4.1.1.2 requires it: the channel-binding hash.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "base/result.h"

namespace apx::crypto {

[[nodiscard]] base::Result<std::array<uint8_t, 16>> md5(std::span<const uint8_t> data);

}  // namespace apx::crypto
