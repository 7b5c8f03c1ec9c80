// Backward passes of the row-wise ops in ops.h, for training. Each takes the
// forward's inputs (recomputing cheap intermediates such as the RMS) and the
// gradient of the forward's output; "+=" marks gradients that accumulate
// (parameters shared across rows), "=" those that are overwritten.
#pragma once

#include <cstdint>

namespace minke::kernels {

// y = x * r * w, r = 1/sqrt(mean(x^2) + eps) on T rows of D values `stride` apart.
//   dx  = r * (dy*w) - x * r^3/D * sum(dy*w*x)   (dx may alias dy; rows `stride` apart)
//   dw += sum_t dy * x * r                         (dw may be nullptr)
void RmsNormBackward(const float* x, const float* w, const float* dy, int64_t T, int64_t D, int64_t stride, float eps,
                     float* dx, float* dw);

// out = silu(g) * u:  dg = dout * u * silu'(g),  du = dout * silu(g).
// g/u rows are `in_stride` apart (dg/du too), dout rows D apart.
void SiluMulBackward(const float* g, const float* u, const float* dout, int64_t T, int64_t D, int64_t in_stride,
                     float* dg, float* du);

// p = softmax(s) per row (first valid[t] entries; valid == nullptr: all D):
//   ds = p * (dp - sum(dp * p)), in place on dp; entries past valid[t] get 0.
void SoftmaxRowsBackward(const float* p, float* dp, int64_t T, int64_t D, const int64_t* valid);

// Cross-entropy of logits [T, V] against targets: returns the summed loss
// (in double) and writes dlogits = (softmax - onehot) * scale, in place.
// Targets < 0 are ignored (no loss, zero gradient).
double CrossEntropyForwardBackward(float* logits, const int32_t* targets, int64_t T, int64_t V, float scale);

}  // namespace minke::kernels
