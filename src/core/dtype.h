// Element types of stored tensors and conversions to float.
//
// Compute in minke is float32; weights may be stored narrower. BF16 and F16
// follow IEEE/bfloat16 conventions; F8_E4M3 is the "e4m3fn" variant DeepSeek
// publishes V3/R1 weights in (no infinities, 0x7f/0xff are NaN, max 448),
// paired with a float32 `weight_scale_inv` per 128x128 block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace minke {

// Q8_0 and Q4_0 are GGML's block formats (kernels/cpu/quant.h): 32 values
// per block along a row, so they have no per-element size; safetensors has no
// spelling for them (they come from GGUF files).
enum class DType : uint8_t { F32, F16, BF16, F8_E4M3, F64, I64, I32, I16, I8, U8, BOOL, Q8_0, Q4_0 };

// Bytes per element; 0 for the block types (use DTypeBytes).
size_t DTypeSize(DType t);
// Values per block: 32 for Q8_0/Q4_0, else 1.
int64_t DTypeBlockSize(DType t);
bool IsBlockQuantType(DType t);
// Bytes of n values (n a multiple of DTypeBlockSize(t)).
size_t DTypeBytes(DType t, int64_t n);
// The safetensors spelling ("F32", "BF16", "F8_E4M3", ...), or "Q8_0"/"Q4_0".
std::string_view DTypeName(DType t);
// Safetensors names only: never returns a block type.
std::optional<DType> DTypeFromName(std::string_view name);
// True for the types a weight may be stored in (F32, F16, BF16, F8_E4M3, Q8_0, Q4_0).
bool IsFloatWeightType(DType t);

inline float Bf16ToF32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Round-to-nearest-even, NaN preserved (matches torch's float->bfloat16).
inline uint16_t F32ToBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

float F16ToF32(uint16_t h);
uint16_t F32ToF16(float f);  // round-to-nearest-even

// E4M3 (fn): 1 sign, 4 exponent (bias 7), 3 mantissa bits.
float Fp8E4M3ToF32(uint8_t v);
uint8_t F32ToFp8E4M3(float f);  // round-to-nearest-even, saturates to +-448

// Converts n elements of `src` (type t) to float32. Not for block types
// (kernels::DequantizeRows handles those).
void ConvertToF32(DType t, const void* src, float* dst, size_t n);

}  // namespace minke
