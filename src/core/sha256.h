// SHA-256 (FIPS 180-4): file and weight digests for the provenance ledger
// and token-shard metadata. A plain, portable implementation (about 250
// MB/s on one core): hashing is a small part of any run that uses it.
// Not thread-safe per object; separate objects may run on separate threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace minke {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t size);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // The digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> Final();
  // Final() as 64 lower-case hex digits, as `sha256sum` prints it.
  std::string FinalHex();

 private:
  void Block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string Sha256Hex(std::string_view data);
// Streams the file through SHA-256 in 1 MiB reads; errors name the path.
Result<std::string> Sha256File(const std::string& path);

}  // namespace minke
