#include "train/params.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "core/atomic_file.h"
#include "core/dtype.h"
#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "kernels/cpu/ops.h"

namespace minke::train {
namespace {

// Points every slot of a fresh ModelWeights at `base` + offset.
model::ModelWeights Bind(const model::ModelConfig& c, const std::vector<ParamEntry>& entries, const float* base) {
  model::ModelWeights w;
  std::vector<model::TensorSlot> slots = model::ModelLayout(c, &w);
  size_t e = 0;
  for (const model::TensorSlot& s : slots) {
    if (e < entries.size() && entries[e].name == s.name) {
      s.view->dtype = DType::F32;
      s.view->shape = s.shape;
      s.view->data = base + entries[e].offset;
      ++e;
    }
  }
  if (w.lm_head.weight.data == nullptr) w.lm_head.weight = w.embed_tokens;  // tie_word_embeddings
  return w;
}

}  // namespace

Result<ParamSet> ParamSet::Create(const model::ModelConfig& c) {
  if (c.fp8_block_weights) return Status::Error("training needs a config without fp8_block_weights (FP32 masters)");
  ParamSet p;
  p.config_ = c;
  model::ModelWeights scratch;
  int64_t offset = 0;
  for (const model::TensorSlot& s : model::ModelLayout(c, &scratch)) {
    if (s.optional && s.role == model::TensorRole::kLinear) continue;  // tied lm_head
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    p.entries_.push_back({s.name, s.shape, s.role, offset, n});
    offset += n;
  }
  p.data_.assign(static_cast<size_t>(offset), 0.0f);
  p.grad_.assign(static_cast<size_t>(offset), 0.0f);
  p.weights_ = Bind(c, p.entries_, p.data_.data());
  p.grads_ = Bind(c, p.entries_, p.grad_.data());
  return p;
}

void ParamSet::InitRandom(uint64_t seed, float init_std) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, init_std);
  for (const ParamEntry& e : entries_) {
    float* v = data_.data() + e.offset;
    switch (e.role) {
      case model::TensorRole::kNorm:
        std::fill(v, v + e.numel, 1.0f);
        break;
      case model::TensorRole::kBias:
      case model::TensorRole::kScoreBias:
        std::fill(v, v + e.numel, 0.0f);
        break;
      default:
        for (int64_t i = 0; i < e.numel; ++i) v[i] = normal(rng);
    }
  }
}

Status ParamSet::LoadCheckpoint(const std::string& dir) {
  MINKE_ASSIGN_OR_RETURN(std::unique_ptr<io::Checkpoint> ck, io::Checkpoint::Open(dir));
  for (const ParamEntry& e : entries_) {
    const TensorView* t = ck->Find(e.name);
    if (t == nullptr) return Status::Error(dir + ": tensor " + e.name + " is missing");
    if (t->shape != e.shape)
      return Status::Error(ck->FileOf(e.name) + ": tensor " + e.name + " has shape " + ShapeToString(t->shape) +
                           ", the config needs " + ShapeToString(e.shape));
    if (t->dtype != DType::F32 && t->dtype != DType::BF16 && t->dtype != DType::F16)
      return Status::Error(ck->FileOf(e.name) + ": tensor " + e.name + " has dtype " +
                           std::string(DTypeName(t->dtype)) + "; training loads F32/BF16/F16");
    const int64_t cols = e.shape.size() == 2 ? e.shape[1] : e.numel;
    kernels::DequantizeRows(t->dtype, t->data, nullptr, e.numel / cols, cols, 1, 1, data_.data() + e.offset);
  }
  return Status::Ok();
}

Status ParamSet::Save(const std::string& dir) const {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Status::Error(dir + ": cannot create directory");
  std::vector<io::TensorToWrite> tensors;
  for (const ParamEntry& e : entries_) tensors.push_back({e.name, DType::F32, e.shape, data_.data() + e.offset});
  MINKE_RETURN_IF_ERROR(io::WriteSafetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}}));
  std::string json = model::ModelConfigToJson(config_);
  return WriteFileAtomic(dir + "/config.json", json.data(), json.size());
}

void ParamSet::ZeroGrad() {
  // Tens of MB per step: worth the threads.
  const int64_t n = static_cast<int64_t>(grad_.size());
  float* g = grad_.data();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; i += 1 << 15) std::fill(g + i, g + std::min(n, i + (1 << 15)), 0.0f);
}

}  // namespace minke::train
