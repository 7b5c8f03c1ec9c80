#include "serve/model_runner.h"

namespace minke::serve {

Status ModelRunner::Run(const std::vector<Sequence*>& batch) {
  inputs_.clear();
  for (Sequence* s : batch) inputs_.push_back({s->cache(), s->NextInput()});
  MINKE_RETURN_IF_ERROR(model_.Step(inputs_, &logits_));
  const int64_t V = model_.config().vocab_size;
  for (size_t i = 0; i < batch.size(); ++i) batch[i]->Advance(&logits_[i * V], V);
  return Status::Ok();
}

}  // namespace minke::serve
