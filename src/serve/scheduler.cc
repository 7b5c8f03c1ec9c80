#include "serve/scheduler.h"

#include <algorithm>
#include <new>

namespace minke::serve {

void Scheduler::DropCancelled() {
  for (auto& s : running_)
    if (s->stream().cancelled()) s->Finish("cancelled");
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if ((*it)->stream().cancelled()) {
      (*it)->Finish("cancelled");
      done_.push_back(std::move(*it));
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
}

void Scheduler::FinishAll(const std::string& error) {
  for (auto& s : waiting_) s->Finish("stop", error);
  for (auto& s : running_) s->Finish("stop", error);
}

std::vector<Sequence*> Scheduler::Schedule() {
  // Admit in arrival order (FIFO, no overtaking, so a long prompt is not starved).
  int64_t prefill = 0;
  while (!waiting_.empty() && static_cast<int>(running_.size()) < opt_.max_batch) {
    const int64_t n = waiting_.front()->prompt_len();
    if (prefill > 0 && prefill + n > opt_.max_prefill_tokens) break;
    prefill += n;
    std::unique_ptr<Sequence> s = std::move(waiting_.front());
    waiting_.pop_front();
    try {
      s->Admit(config_);
    } catch (const std::bad_alloc&) {  // one request's cache must not take the server down
      s->Finish("stop", "out of memory for a KV cache of " +
                            std::to_string(s->CacheCapacity(config_.max_position_embeddings)) +
                            " positions; ask for fewer max_tokens");
      done_.push_back(std::move(s));
      continue;
    }
    running_.push_back(std::move(s));
  }
  std::vector<Sequence*> batch;
  for (auto& s : running_)
    if (s->status() == SeqStatus::kRunning) batch.push_back(s.get());
  return batch;
}

std::vector<std::unique_ptr<Sequence>> Scheduler::Postprocess() {
  std::vector<std::unique_ptr<Sequence>> out = std::move(done_);
  done_.clear();
  for (auto& s : running_)
    if (s->status() == SeqStatus::kFinished) out.push_back(std::move(s));
  running_.erase(std::remove(running_.begin(), running_.end(), nullptr), running_.end());
  return out;
}

}  // namespace minke::serve
