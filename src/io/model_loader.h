// Loads a DeepSeek-V2/V3 checkpoint directory (config.json + safetensors in
// the Hugging Face layout) into a model::Transformer, checking that every
// tensor the config needs is present with the right shape and dtype.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/config.h"
#include "model/transformer.h"

namespace minke::io {

struct LoadedModel {
  std::unique_ptr<model::Transformer> model;
  // Tensors in the checkpoint that the config does not use, and other
  // non-fatal findings (e.g. MTP layers absent from the files).
  std::vector<std::string> warnings;
};

// Reads and validates DIR/config.json.
Result<model::ModelConfig> LoadConfig(const std::string& dir);

// `dir` is a checkpoint directory, a .gguf file (deepseek2, io/gguf_model.h),
// or a directory with model.gguf and no safetensors (what `minke quantize`
// writes).
Result<LoadedModel> LoadModel(const std::string& dir);

}  // namespace minke::io
