// Writes model checkpoints in the Hugging Face layout (config.json +
// model.safetensors), atomically.
#pragma once

#include <cstdint>
#include <string>

#include "core/dtype.h"
#include "core/status.h"
#include "model/config.h"

namespace minke::io {

// A freshly initialised model: linear and embedding weights ~ N(0, 0.02)
// (transformers' initializer_range), norms 1, biases 0. Linear weights are
// stored as `dtype` (F32, BF16, F16, or F8_E4M3 with 128x128 block scales);
// embeddings, norms and the router stay F32 (BF16 when dtype is BF16/FP8,
// as DeepSeek publishes them). Deterministic for a given seed.
Status WriteRandomModel(const model::ModelConfig& c, const std::string& dir, uint64_t seed, DType dtype);

}  // namespace minke::io
