// `minke logits --model DIR --tokens 1,2,3 [--out FILE] [--mtp]`: the full
// next-token logits at every position, so the forward pass can be checked
// from outside.
//
// Output layout (--out): raw little-endian float32, row-major [T, vocab]
// (row t = logits after tokens 0..t), no header. With --mtp: the logits of
// MTP module 1, [T-1, vocab] (row i predicts token i+2). Without --out, one
// line per row of space-separated values ("%.9g").
#include <cstdio>
#include <sstream>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "io/model_loader.h"

namespace minke::cli {
namespace {

Status Logits(const std::string& dir, const std::string& tokens_arg, const std::string& out_path, bool mtp) {
  MINKE_ASSIGN_OR_RETURN(std::vector<int32_t> tokens, ParseTokenList(tokens_arg, "--tokens"));
  MINKE_ASSIGN_OR_RETURN(io::LoadedModel lm, io::LoadModel(dir));
  for (const auto& w : lm.warnings) std::fprintf(stderr, "minke: warning: %s\n", w.c_str());
  std::vector<float> logits, hidden;
  MINKE_RETURN_IF_ERROR(lm.model->Forward(tokens, &logits, mtp ? &hidden : nullptr));
  if (mtp) MINKE_RETURN_IF_ERROR(lm.model->MtpForward(tokens, hidden, 1, &logits));
  const int64_t V = lm.model->config().vocab_size;
  if (!out_path.empty()) return WriteFileAtomic(out_path, logits.data(), logits.size() * sizeof(float));
  for (size_t r = 0; r < logits.size() / V; ++r) {
    for (int64_t v = 0; v < V; ++v) std::printf(v ? " %.9g" : "%.9g", logits[r * V + v]);
    std::printf("\n");
  }
  return Status::Ok();
}

}  // namespace

void RegisterLogits(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("logits", "Print or write the next-token logits for every input position");
  auto dir = std::make_shared<std::string>(), tokens = std::make_shared<std::string>(),
       out = std::make_shared<std::string>();
  auto mtp = std::make_shared<bool>(false);
  cmd->add_option("--model", *dir, "Checkpoint directory")->required();
  cmd->add_option("--tokens", *tokens, "Comma-separated token ids, e.g. 1,2,3")->required();
  cmd->add_option("--out", *out, "Write little-endian float32 [rows, vocab] here instead of printing");
  cmd->add_flag("--mtp", *mtp, "Logits of MTP module 1 ([T-1, vocab], row i predicts token i+2)");
  cmd->callback([=] { *action = [=] { return Logits(*dir, *tokens, *out, *mtp); }; });
}

}  // namespace minke::cli
