#include "io/model_writer.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <random>

#include "core/atomic_file.h"
#include "io/safetensors.h"
#include "model/layout.h"

namespace minke::io {
namespace {

// Stores float32 values as `dtype` bytes.
std::vector<uint8_t> Encode(const std::vector<float>& v, DType dtype) {
  std::vector<uint8_t> out(v.size() * DTypeSize(dtype));
  for (size_t i = 0; i < v.size(); ++i) {
    switch (dtype) {
      case DType::F32:
        std::memcpy(&out[i * 4], &v[i], 4);
        break;
      case DType::BF16: {
        uint16_t h = F32ToBf16(v[i]);
        std::memcpy(&out[i * 2], &h, 2);
        break;
      }
      case DType::F16: {
        uint16_t h = F32ToF16(v[i]);
        std::memcpy(&out[i * 2], &h, 2);
        break;
      }
      default:
        out[i] = F32ToFp8E4M3(v[i]);
    }
  }
  return out;
}

// FP8 block quantization (DeepSeek-V3 §3.3.2): per 128x128 block,
// scale_inv = amax / 448 and q = fp8(w / scale_inv).
std::vector<float> QuantizeFp8Blocks(std::vector<float>* w, int64_t rows, int64_t cols, int64_t br, int64_t bc) {
  const int64_t nr = (rows + br - 1) / br, nc = (cols + bc - 1) / bc;
  std::vector<float> scale(static_cast<size_t>(nr * nc));
  for (int64_t bi = 0; bi < nr; ++bi)
    for (int64_t bj = 0; bj < nc; ++bj) {
      float amax = 0.0f;
      for (int64_t r = bi * br; r < std::min(rows, (bi + 1) * br); ++r)
        for (int64_t cc = bj * bc; cc < std::min(cols, (bj + 1) * bc); ++cc)
          amax = std::fmax(amax, std::fabs((*w)[r * cols + cc]));
      float s = amax > 0.0f ? amax / 448.0f : 1.0f;
      scale[bi * nc + bj] = s;
      for (int64_t r = bi * br; r < std::min(rows, (bi + 1) * br); ++r)
        for (int64_t cc = bj * bc; cc < std::min(cols, (bj + 1) * bc); ++cc) (*w)[r * cols + cc] /= s;
    }
  return scale;
}

}  // namespace

Status WriteRandomModel(const model::ModelConfig& config, const std::string& dir, uint64_t seed, DType dtype) {
  if (dtype != DType::F32 && dtype != DType::BF16 && dtype != DType::F16 && dtype != DType::F8_E4M3)
    return Status::Error("weight dtype must be F32, BF16, F16 or F8_E4M3");
  model::ModelConfig c = config;
  c.fp8_block_weights = dtype == DType::F8_E4M3;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Status::Error(dir + ": cannot create directory");
  const DType other = dtype == DType::F32 || dtype == DType::F16 ? dtype : DType::BF16;

  model::ModelWeights w;
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<std::vector<uint8_t>> storage;  // moving an inner vector keeps its data()
  std::vector<TensorToWrite> tensors;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, std::vector<float> values, DType t) {
    storage.push_back(Encode(values, t));
    tensors.push_back({name, t, std::move(shape), storage.back().data()});
  };
  for (const model::TensorSlot& s : model::ModelLayout(c, &w)) {
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    switch (s.role) {
      case model::TensorRole::kNorm:
        std::fill(v.begin(), v.end(), 1.0f);
        break;
      case model::TensorRole::kBias:
      case model::TensorRole::kScoreBias:
        break;
      default:
        for (float& x : v) x = normal(rng);
    }
    bool fp8 = dtype == DType::F8_E4M3 && s.role == model::TensorRole::kLinear && s.name.rfind("lm_head", 0) != 0 &&
               s.name.find("shared_head.head") == std::string::npos && s.name.find("eh_proj") == std::string::npos;
    if (s.optional && s.role == model::TensorRole::kLinear) continue;  // tied lm_head
    if (fp8) {
      std::vector<float> scale = QuantizeFp8Blocks(&v, s.shape[0], s.shape[1], c.fp8_block_rows, c.fp8_block_cols);
      add(s.name, s.shape, std::move(v), DType::F8_E4M3);
      std::vector<int64_t> sshape = {(s.shape[0] + c.fp8_block_rows - 1) / c.fp8_block_rows,
                                     (s.shape[1] + c.fp8_block_cols - 1) / c.fp8_block_cols};
      add(s.name + "_scale_inv", sshape, std::move(scale), DType::F32);
    } else {
      DType t = s.role == model::TensorRole::kLinear ? (dtype == DType::F8_E4M3 ? DType::BF16 : dtype) : other;
      if (s.role == model::TensorRole::kScoreBias || s.role == model::TensorRole::kRouter) t = DType::F32;
      add(s.name, s.shape, std::move(v), t);
    }
  }
  MINKE_RETURN_IF_ERROR(WriteSafetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}}));
  std::string json = model::ModelConfigToJson(c);
  return WriteFileAtomic(dir + "/config.json", json.data(), json.size());
}

}  // namespace minke::io
