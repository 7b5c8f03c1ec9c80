// `minke convert --model DIR --to gguf --out FILE --type T` and
// `minke quantize --model DIR --out DIR --type q8_0|q4_0`: a checkpoint as a
// llama.cpp deepseek2 GGUF (layout and type policy in io/gguf_model.h).
// quantize writes OUT/model.gguf (plus the tokenizer files), a directory
// LoadModel() and `minke generate --model OUT` open directly.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/mapped_file.h"
#include "io/gguf_model.h"
#include "io/model_loader.h"

namespace minke::cli {
namespace {

bool Exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Status Convert(const std::string& dir, const std::string& out, const std::string& type_name,
               const std::string& tokenizer) {
  MINKE_ASSIGN_OR_RETURN(io::GgufOutType type, io::ParseGgufOutType(type_name));
  MINKE_ASSIGN_OR_RETURN(io::LoadedModel lm, io::LoadModel(dir));
  for (const auto& w : lm.warnings) std::fprintf(stderr, "minke: warning: %s\n", w.c_str());
  if (lm.model->config().num_nextn_predict_layers > 0)
    std::fprintf(stderr, "minke: warning: MTP layers are left out (llama.cpp's deepseek2 GGUF has none)\n");
  std::string tok = tokenizer;
  if (tok.empty() && Exists(dir + "/tokenizer.json")) tok = dir + "/tokenizer.json";
  if (tok.empty())
    std::fprintf(stderr, "minke: no tokenizer.json beside the model: writing a placeholder byte-level vocabulary\n");
  MINKE_RETURN_IF_ERROR(io::WriteModelGguf(*lm.model, type, out, tok));
  std::printf("wrote %s (%s)\n", out.c_str(), type_name.c_str());
  return Status::Ok();
}

Status Quantize(const std::string& dir, const std::string& out, const std::string& type_name) {
  if (type_name != "q8_0" && type_name != "q4_0") return Status::Error("--type: expected q8_0 or q4_0");
  if (::mkdir(out.c_str(), 0755) != 0 && errno != EEXIST) return Status::Error(out + ": cannot create directory");
  MINKE_RETURN_IF_ERROR(Convert(dir, out + "/model.gguf", type_name, ""));
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
    if (!Exists(dir + "/" + f)) continue;
    MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(dir + "/" + f));
    MINKE_RETURN_IF_ERROR(WriteFileAtomic(out + "/" + f, text.data(), text.size()));
  }
  return Status::Ok();
}

}  // namespace

void RegisterConvert(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("convert", "Write a checkpoint as a llama.cpp deepseek2 GGUF");
  auto dir = std::make_shared<std::string>(), out = std::make_shared<std::string>(),
       to = std::make_shared<std::string>("gguf"), type = std::make_shared<std::string>("f16"),
       tok = std::make_shared<std::string>();
  cmd->add_option("--model", *dir, "Checkpoint directory (or .gguf)")->required();
  cmd->add_option("--to", *to, "Output format (gguf)")->capture_default_str();
  cmd->add_option("--out", *out, "Output .gguf file")->required();
  cmd->add_option("--type", *type, "Weight type: f32, f16, bf16, q8_0, q4_0")->capture_default_str();
  cmd->add_option("--tokenizer", *tok, "tokenizer.json to embed (default: MODEL/tokenizer.json if present)");
  cmd->callback([=] {
    *action = [=] {
      if (*to != "gguf") return Status::Error("--to: only 'gguf' is supported, got '" + *to + "'");
      return Convert(*dir, *out, *type, *tok);
    };
  });
}

void RegisterQuantize(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("quantize", "Write a Q8_0/Q4_0 quantized copy of a checkpoint (OUT/model.gguf)");
  auto dir = std::make_shared<std::string>(), out = std::make_shared<std::string>(),
       type = std::make_shared<std::string>("q8_0");
  cmd->add_option("--model", *dir, "Checkpoint directory")->required();
  cmd->add_option("--out", *out, "Output directory")->required();
  cmd->add_option("--type", *type, "q8_0 or q4_0")->capture_default_str();
  cmd->callback([=] { *action = [=] { return Quantize(*dir, *out, *type); }; });
}

}  // namespace minke::cli
