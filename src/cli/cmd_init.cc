// `minke init --config FILE --out DIR`: a randomly initialised checkpoint
// in the Hugging Face layout, for tests, demos and benchmarks.
#include <cstdio>

#include "cli/commands.h"
#include "core/mapped_file.h"
#include "io/model_writer.h"

namespace minke::cli {
namespace {

Status Init(const std::string& config_path, const std::string& out, uint64_t seed, const std::string& dtype_name) {
  MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(config_path));
  auto config = model::ParseModelConfig(text);
  if (!config.ok()) return config.status().WithContext(config_path);
  DType dtype;
  if (dtype_name == "f32")
    dtype = DType::F32;
  else if (dtype_name == "bf16")
    dtype = DType::BF16;
  else if (dtype_name == "f16")
    dtype = DType::F16;
  else if (dtype_name == "fp8")
    dtype = DType::F8_E4M3;
  else
    return Status::Error("--dtype: '" + dtype_name + "' is not one of f32, bf16, f16, fp8");
  MINKE_RETURN_IF_ERROR(io::WriteRandomModel(*config, out, seed, dtype));
  std::printf("wrote %s/config.json and %s/model.safetensors\n", out.c_str(), out.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterInit(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("init", "Create a randomly initialised checkpoint from a config.json");
  auto config = std::make_shared<std::string>(), out = std::make_shared<std::string>(),
       dtype = std::make_shared<std::string>("f32");
  auto seed = std::make_shared<uint64_t>(0);
  cmd->add_option("--config", *config, "A DeepSeek-V2/V3 config.json")->required();
  cmd->add_option("--out", *out, "Output directory")->required();
  cmd->add_option("--seed", *seed, "Random seed");
  cmd->add_option("--dtype", *dtype, "Linear weight dtype: f32, bf16, f16, fp8");
  cmd->callback([=] { *action = [=] { return Init(*config, *out, *seed, *dtype); }; });
}

}  // namespace minke::cli
