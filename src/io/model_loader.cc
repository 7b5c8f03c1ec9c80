#include "io/model_loader.h"

#include <sys/stat.h>

#include <set>

#include "io/checkpoint.h"
#include "io/gguf_model.h"
#include "model/layout.h"

namespace minke::io {
namespace {

using model::ModelConfig;
using model::TensorRole;
using model::TensorSlot;

Status BindSlot(const Checkpoint& ck, const ModelConfig& c, const TensorSlot& s, std::set<std::string>* used) {
  const TensorView* v = ck.Find(s.name);
  if (v == nullptr) return Status::Error(ck.dir() + ": missing tensor '" + s.name + "'");
  used->insert(s.name);
  auto err = [&](const std::string& msg) {
    return Status::Error(ck.FileOf(s.name) + ": tensor '" + s.name + "' " + msg);
  };
  if (v->shape != s.shape)
    return err("has shape " + ShapeToString(v->shape) + ", config.json implies " + ShapeToString(s.shape));
  if (!IsFloatWeightType(v->dtype) || IsBlockQuantType(v->dtype))
    return err("has dtype " + std::string(DTypeName(v->dtype)) + ", expected F32, F16, BF16 or F8_E4M3");
  if (v->dtype == DType::F8_E4M3 && s.role != TensorRole::kLinear)
    return err("is F8_E4M3; only linear weights may be (with weight_scale_inv)");
  *s.view = *v;
  if (s.role != TensorRole::kLinear || v->dtype != DType::F8_E4M3) return Status::Ok();

  // FP8 weight: its float32 block scales [ceil(out/br), ceil(in/bc)].
  model::Linear* l = s.linear;
  l->block_rows = c.fp8_block_rows;
  l->block_cols = c.fp8_block_cols;
  const std::string sname = s.name + "_scale_inv";
  const TensorView* sv = ck.Find(sname);
  if (sv == nullptr)
    return Status::Error(ck.dir() + ": missing tensor '" + sname + "' for F8_E4M3 weight '" + s.name + "'");
  used->insert(sname);
  std::vector<int64_t> want = {(s.shape[0] + l->block_rows - 1) / l->block_rows,
                               (s.shape[1] + l->block_cols - 1) / l->block_cols};
  if (sv->shape != want || sv->dtype != DType::F32)
    return Status::Error(ck.FileOf(sname) + ": tensor '" + sname + "' is " + std::string(DTypeName(sv->dtype)) + " " +
                         ShapeToString(sv->shape) + ", expected F32 " + ShapeToString(want) + " (" +
                         std::to_string(l->block_rows) + "x" + std::to_string(l->block_cols) + " blocks)");
  l->weight_scale_inv = *sv;
  return Status::Ok();
}

}  // namespace

Result<ModelConfig> LoadConfig(const std::string& dir) {
  const std::string path = dir + "/config.json";
  MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  auto c = model::ParseModelConfig(text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

namespace {

bool IsRegularFile(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

Result<LoadedModel> LoadModel(const std::string& dir) {
  // A GGUF file, or a directory holding model.gguf and no safetensors.
  if (dir.size() > 5 && dir.compare(dir.size() - 5, 5, ".gguf") == 0) return LoadGgufModel(dir);
  if (IsRegularFile(dir + "/model.gguf") && !IsRegularFile(dir + "/model.safetensors") &&
      !IsRegularFile(dir + "/model.safetensors.index.json"))
    return LoadGgufModel(dir + "/model.gguf");
  MINKE_ASSIGN_OR_RETURN(ModelConfig c, LoadConfig(dir));
  MINKE_ASSIGN_OR_RETURN(std::shared_ptr<Checkpoint> ck, Checkpoint::Open(dir));
  model::ModelWeights w;
  std::vector<TensorSlot> slots = model::ModelLayout(c, &w);
  LoadedModel out;

  // MTP modules are optional as a whole: many re-published checkpoints drop them.
  bool have_mtp = c.num_nextn_predict_layers == 0;
  for (const TensorSlot& s : slots)
    if (s.mtp > 0 && ck->Find(s.name) != nullptr) have_mtp = true;
  if (!have_mtp) {
    out.warnings.push_back("config has num_nextn_predict_layers = " + std::to_string(c.num_nextn_predict_layers) +
                           " but the checkpoint has none of the MTP tensors: MTP is unavailable");
    w.mtp.clear();
  }

  std::set<std::string> used;
  for (const TensorSlot& s : slots) {
    if (s.mtp > 0 && !have_mtp) continue;
    if (s.optional && ck->Find(s.name) == nullptr) continue;
    MINKE_RETURN_IF_ERROR(BindSlot(*ck, c, s, &used));
  }
  if (w.lm_head.weight.data == nullptr) w.lm_head.weight = w.embed_tokens;  // tie_word_embeddings

  int unused = 0;
  std::string examples;
  for (const auto& n : ck->Names())
    if (!used.count(n) && ++unused <= 3) examples += (examples.empty() ? "'" : ", '") + n + "'";
  if (unused > 0)
    out.warnings.push_back(std::to_string(unused) + " tensor(s) in the checkpoint are not used by this config, e.g. " +
                           examples);
  out.model = std::make_unique<model::Transformer>(std::move(c), std::move(w), std::any(ck));
  return out;
}

}  // namespace minke::io
