#include "crypto/iov_cursor.h"

#include <algorithm>

namespace apx::crypto {

size_t iov_stream_size(std::span<const CryptoIov> iov, IovSelect select) {
  size_t n = 0;
  for (const CryptoIov& b : iov)
    if (select(b.kind)) n += b.buf.size();
  return n;
}

IovCursor::IovCursor(std::span<const CryptoIov> iov, IovSelect select)
    : iov_(iov), select_(select) {
  skip_exhausted();
}

std::span<uint8_t> IovCursor::run() const {
  if (index_ >= iov_.size()) return {};
  const std::span<uint8_t> first = iov_[index_].buf.subspan(offset_);  // never empty
  size_t size = first.size();
  for (size_t i = index_ + 1; i < iov_.size(); ++i) {
    const std::span<uint8_t> b = iov_[i].buf;
    if (b.empty()) continue;
    if (!select_(iov_[i].kind) || b.data() != first.data() + size) break;
    size += b.size();
  }
  // Adjacent buffers are parts of one caller's allocation (the token), so one span over
  // them addresses the same bytes the list does.
  return {first.data(), size};
}

void IovCursor::advance(size_t n) {
  while (n > 0 && index_ < iov_.size()) {
    const size_t k = std::min(n, iov_[index_].buf.size() - offset_);
    offset_ += k;
    n -= k;
    skip_exhausted();
  }
}

size_t IovCursor::read(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    std::span<uint8_t> r = run();
    if (r.empty()) break;
    const size_t n = std::min(r.size(), out.size() - done);
    std::copy_n(r.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(done));
    advance(n);
    done += n;
  }
  return done;
}

size_t IovCursor::write(std::span<const uint8_t> in) {
  size_t done = 0;
  while (done < in.size()) {
    std::span<uint8_t> r = run();
    if (r.empty()) break;
    const size_t n = std::min(r.size(), in.size() - done);
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(done), n, r.begin());
    advance(n);
    done += n;
  }
  return done;
}

void IovCursor::skip_exhausted() {
  while (index_ < iov_.size() &&
         (!select_(iov_[index_].kind) || offset_ >= iov_[index_].buf.size())) {
    ++index_;
    offset_ = 0;
  }
}

}  // namespace apx::crypto
