// Scheduler: which sequences run in the next engine step (nano-vllm's
// `Scheduler`, with continuous batching). Every running sequence decodes one
// token per step; waiting sequences join at the next token boundary while
// the batch has room (max_batch) and the step's prefill budget allows, so a
// new request's prompt runs in the same Transformer::Step as the others'
// decode tokens. Finished and cancelled sequences leave between steps,
// freeing their slot and cache at once. Not thread-safe: the engine thread
// owns it.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "model/config.h"
#include "serve/sequence.h"

namespace minke::serve {

struct SchedulerOptions {
  int max_batch = 8;                  // sequences running at once
  int64_t max_prefill_tokens = 4096;  // prompt tokens admitted per step (one longer prompt still runs alone)
};

class Scheduler {
 public:
  Scheduler(const model::ModelConfig& c, SchedulerOptions o) : config_(c), opt_(o) {}

  void Add(std::unique_ptr<Sequence> s) { waiting_.push_back(std::move(s)); }
  // Finishes and removes cancelled sequences, waiting or running.
  void DropCancelled();
  // Finishes every sequence with `error` (at shutdown).
  void FinishAll(const std::string& error);
  // The next step's batch: running sequences plus newly admitted ones.
  std::vector<Sequence*> Schedule();
  // Removes finished sequences; returns them (for metrics).
  std::vector<std::unique_ptr<Sequence>> Postprocess();

  size_t waiting() const { return waiting_.size(); }
  size_t running() const { return running_.size(); }
  bool idle() const { return waiting_.empty() && running_.empty(); }

 private:
  const model::ModelConfig& config_;
  SchedulerOptions opt_;
  std::deque<std::unique_ptr<Sequence>> waiting_;
  std::vector<std::unique_ptr<Sequence>> running_;
  std::vector<std::unique_ptr<Sequence>> done_;  // finished while waiting (cancelled)
};

}  // namespace minke::serve
