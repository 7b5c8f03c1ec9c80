#include "core/dtype.h"

#include <array>
#include <cmath>

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace minke {
namespace {

struct DTypeEntry {
  DType type;
  std::string_view name;
  size_t size;
};

constexpr std::array<DTypeEntry, 11> kDTypes = {{
    {DType::F32, "F32", 4},
    {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2},
    {DType::F8_E4M3, "F8_E4M3", 1},
    {DType::F64, "F64", 8},
    {DType::I64, "I64", 8},
    {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},
    {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},
    {DType::BOOL, "BOOL", 1},
}};

std::array<float, 256> MakeFp8Table() {
  std::array<float, 256> t{};
  for (int v = 0; v < 256; ++v) {
    int sign = v >> 7, exp = (v >> 3) & 0xf, man = v & 7;
    float mag;
    if (exp == 15 && man == 7) {
      mag = NAN;  // e4m3fn has no infinities; S.1111.111 is NaN
    } else if (exp == 0) {
      mag = std::ldexp(static_cast<float>(man), -9);  // subnormal: man/8 * 2^-6
    } else {
      mag = std::ldexp(1.0f + man / 8.0f, exp - 7);
    }
    t[v] = sign ? -mag : mag;
  }
  return t;
}

const std::array<float, 256>& Fp8Table() {
  static const std::array<float, 256> table = MakeFp8Table();
  return table;
}

}  // namespace

size_t DTypeSize(DType t) {
  for (const auto& e : kDTypes)
    if (e.type == t) return e.size;
  return 0;
}

int64_t DTypeBlockSize(DType t) { return IsBlockQuantType(t) ? 32 : 1; }

bool IsBlockQuantType(DType t) { return t == DType::Q8_0 || t == DType::Q4_0; }

size_t DTypeBytes(DType t, int64_t n) {
  if (t == DType::Q8_0) return static_cast<size_t>(n / 32) * 34;
  if (t == DType::Q4_0) return static_cast<size_t>(n / 32) * 18;
  return static_cast<size_t>(n) * DTypeSize(t);
}

std::string_view DTypeName(DType t) {
  if (t == DType::Q8_0) return "Q8_0";
  if (t == DType::Q4_0) return "Q4_0";
  for (const auto& e : kDTypes)
    if (e.type == t) return e.name;
  return "?";
}

std::optional<DType> DTypeFromName(std::string_view name) {
  for (const auto& e : kDTypes)
    if (e.name == name) return e.type;
  return std::nullopt;
}

bool IsFloatWeightType(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16 || t == DType::F8_E4M3 || IsBlockQuantType(t);
}

float F16ToF32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t u;
  if (exp == 0x1f) {
    u = sign | 0x7f800000u | (man << 13);
  } else if (exp == 0) {
    float mag = std::ldexp(static_cast<float>(man), -24);
    return sign ? -mag : mag;
  } else {
    u = sign | ((exp + 112) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t F32ToF16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  float a = std::fabs(f);
  if (std::isnan(f)) return sign | 0x7e00;
  if (a >= 65520.0f) return sign | 0x7c00;  // rounds to infinity
  if (a < std::ldexp(1.0f, -14)) {          // subnormal (or zero): step 2^-24
    return sign | static_cast<uint16_t>(std::nearbyint(a * 16777216.0f));
  }
  int e;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  float step = std::ldexp(1.0f, e - 11);
  float q = std::nearbyint(a / step) * step;
  std::frexp(q, &e);
  uint32_t exp = static_cast<uint32_t>(e - 1 + 15);
  uint32_t man = static_cast<uint32_t>(std::ldexp(q, -(e - 1)) * 1024.0f) - 1024u;
  return sign | static_cast<uint16_t>((exp << 10) | man);
}

float Fp8E4M3ToF32(uint8_t v) { return Fp8Table()[v]; }

uint8_t F32ToFp8E4M3(float f) {
  if (std::isnan(f)) return 0x7f;
  uint8_t sign = std::signbit(f) ? 0x80 : 0;
  float a = std::fmin(std::fabs(f), 448.0f);
  if (a < std::ldexp(1.0f, -6)) {                                          // subnormal range: step 2^-9
    return sign | static_cast<uint8_t>(std::nearbyint(std::ldexp(a, 9)));  // may round to 8 = 2^-6
  }
  int e;
  std::frexp(a, &e);
  float step = std::ldexp(1.0f, e - 4);  // 3 mantissa bits
  float q = std::fmin(std::nearbyint(a / step) * step, 448.0f);
  std::frexp(q, &e);
  int exp = e - 1 + 7;
  int man = static_cast<int>(std::ldexp(q, -(e - 1)) * 8.0f) - 8;
  return sign | static_cast<uint8_t>((exp << 3) | man);
}

void ConvertToF32(DType t, const void* src, float* dst, size_t n) {
  switch (t) {
    case DType::F32:
      std::memcpy(dst, src, n * 4);
      return;
    case DType::BF16: {
      const auto* s = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = Bf16ToF32(s[i]);
      return;
    }
    case DType::F16: {
      const auto* s = static_cast<const uint16_t*>(src);
      size_t i = 0;
#if defined(__F16C__)
      // Widening is exact, so the F16C instruction gives F16ToF32's values
      // (prefill dequantizes whole F16 matrices through here: ~3x faster).
      for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i))));
#endif
      for (; i < n; ++i) dst[i] = F16ToF32(s[i]);
      return;
    }
    case DType::F8_E4M3: {
      const auto* s = static_cast<const uint8_t*>(src);
      const float* table = Fp8Table().data();
      for (size_t i = 0; i < n; ++i) dst[i] = table[s[i]];
      return;
    }
    case DType::F64: {
      const auto* s = static_cast<const double*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(s[i]);
      return;
    }
    default:
      for (size_t i = 0; i < n; ++i) dst[i] = NAN;  // not a float type: caller validated
  }
}

}  // namespace minke
