// apx::base::SecretBytes — key material that is wiped when it goes away.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace apx::base {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n);
  explicit SecretBytes(std::span<const uint8_t> bytes);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  [[nodiscard]] SecretBytes clone() const { return SecretBytes(span()); }
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] uint8_t* data() { return data_.get(); }
  [[nodiscard]] const uint8_t* data() const { return data_.get(); }
  [[nodiscard]] std::span<uint8_t> span() { return {data_.get(), size_}; }
  [[nodiscard]] std::span<const uint8_t> span() const { return {data_.get(), size_}; }

 private:
  void wipe();
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

}  // namespace apx::base
