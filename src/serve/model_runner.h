// ModelRunner: runs one engine step (nano-vllm's `ModelRunner`): flattens the
// batch into Transformer::Step's SequenceInputs (a prompt for a new
// sequence, the last token for a running one), then lets each sequence
// sample its next token from its row of logits. The model is const and
// shared; the runner keeps the logits buffer between steps.
#pragma once

#include <vector>

#include "core/status.h"
#include "model/transformer.h"
#include "serve/sequence.h"

namespace minke::serve {

class ModelRunner {
 public:
  explicit ModelRunner(const model::Transformer& m) : model_(m) {}

  // REQUIRES: every sequence is kRunning. On error no cache changed and no
  // sequence advanced.
  Status Run(const std::vector<Sequence*>& batch);

 private:
  const model::Transformer& model_;
  std::vector<model::SequenceInput> inputs_;
  std::vector<float> logits_;
};

}  // namespace minke::serve
