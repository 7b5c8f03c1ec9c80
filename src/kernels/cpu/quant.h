// Block-quantized weights with the GGML/GGUF block layouts, so files can be
// shared with llama.cpp. Blocks of 32 consecutive values along a row:
//   Q8_0: { f16 d; int8 qs[32]; }              x[i] = d * qs[i]            (34 bytes)
//   Q4_0: { f16 d; uint8 qs[16]; }             x[i] = d * (nibble_i - 8)   (18 bytes)
//         nibble_i = qs[i] & 0xf for i < 16, qs[i - 16] >> 4 for i >= 16.
// Quantization is round-to-nearest with d = absmax / 127 (Q8_0) or
// d = max / -8 where max is the signed value of largest magnitude (Q4_0),
// as ggml does. Dot kernels multiply a quantized weight row by an
// activation row quantized to Q8_0, accumulating per block in int32 and
// across blocks in float (AVX2); *_ref are the plain-loop oracles.
// REQUIRES: row lengths are multiples of 32.
#pragma once

#include <cstddef>
#include <cstdint>

namespace minke::kernels {

constexpr int64_t kQBlock = 32;
constexpr size_t kQ8_0BlockBytes = 34, kQ4_0BlockBytes = 18;

enum class QuantType { kQ8_0, kQ4_0 };

size_t QuantRowBytes(QuantType t, int64_t n);

void QuantizeRow(QuantType t, const float* x, int64_t n, uint8_t* out);
void DequantizeRowQ(QuantType t, const uint8_t* q, int64_t n, float* out);

// sum_i w[i] * a[i] for a weight row w (type t) and an activation row a in Q8_0.
float DotQ(QuantType t, const uint8_t* w, const uint8_t* a_q8, int64_t n);
float DotQRef(QuantType t, const uint8_t* w, const uint8_t* a_q8, int64_t n);

// y[M, N] = x[M, K] W^T for W [N, K] quantized row by row: x is quantized to
// Q8_0 once per row, then each output is one DotQ. Parallel over N.
void MatmulQ(QuantType t, const float* x, const uint8_t* w, float* y, int64_t M, int64_t N, int64_t K);

}  // namespace minke::kernels
