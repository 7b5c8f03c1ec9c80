// Hash64: a fast, seedable 64-bit hash of bytes (wyhash-style multiply and
// fold), the same on every run and thread count. Exact-dedup keys, MinHash
// shingles and LSH band keys all come from it, so changing it changes which
// documents a clean keeps. Reads little-endian words (x86-64, AArch64).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace minke::data {

inline uint64_t MulFold64(uint64_t a, uint64_t b) {
  const __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// SplitMix64's finaliser: a bijective avalanche of one word.
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// SplitMix64 generator step: deterministic seeds for MinHash permutations.
inline uint64_t SplitMix64(uint64_t* state) {
  *state += 0x9e3779b97f4a7c15ULL;
  return Mix64(*state);
}

inline uint64_t Hash64(const void* data, size_t n, uint64_t seed = 0) {
  constexpr uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL, k2 = 0x8ebc6af09c88c6e3ULL;
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h = seed ^ MulFold64(seed ^ k0, k1) ^ n;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    uint64_t a, b;
    std::memcpy(&a, p + i, 8);
    std::memcpy(&b, p + i + 8, 8);
    h = MulFold64(a ^ k1, b ^ h);
  }
  uint64_t a = 0, b = 0;
  const size_t rest = n - i;
  if (rest > 8) {
    std::memcpy(&a, p + i, 8);
    std::memcpy(&b, p + i + 8, rest - 8);
  } else if (rest > 0) {
    std::memcpy(&a, p + i, rest);
  }
  h = MulFold64(a ^ k1, b ^ h ^ k2);
  return MulFold64(h ^ k0, n ^ k2);
}

inline uint64_t Hash64(std::string_view s, uint64_t seed = 0) { return Hash64(s.data(), s.size(), seed); }

}  // namespace minke::data
