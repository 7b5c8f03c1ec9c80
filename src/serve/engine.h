// Engine: the one thread that owns the model (nano-vllm's `LLMEngine`).
// HTTP threads Submit() requests and read their output from the returned
// Stream; the engine thread loops over
//   batch = scheduler.Schedule();  runner.Run(batch);  scheduler.Postprocess();
// so requests join and leave the running batch at token boundaries
// (continuous batching). A bounded queue holds requests waiting for a batch
// slot; Submit() refuses a request when it is full (the server's 503).
// Submit() is thread-safe; the destructor stops the thread, finishing every
// open stream with an error.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "model/transformer.h"
#include "serve/metrics.h"
#include "serve/scheduler.h"
#include "serve/sequence.h"
#include "serve/stream.h"
#include "tokenizer/tokenizer.h"

namespace minke::serve {

class ModelRunner;

struct EngineOptions {
  SchedulerOptions scheduler;
  int max_queue = 64;  // requests waiting for a slot (beyond the max_batch running); more are refused
};

class Engine {
 public:
  // `tok` may be null (token ids only); `metrics` may be null. Both, and
  // the model, must outlive the engine.
  Engine(const model::Transformer& m, const tokenizer::Tokenizer* tok, EngineOptions opt, Metrics* metrics = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // REQUIRES: a non-empty prompt of valid ids, max_tokens >= 1, validated
  // sampling, prompt shorter than the model's context. Returns nullptr when
  // the queue is full.
  std::shared_ptr<Stream> Submit(GenRequest r);

  const model::ModelConfig& config() const { return model_.config(); }
  int64_t queue_depth() const { return queued_.load(); }

 private:
  void Loop();
  void Step(Scheduler* sched);

  ModelRunner* runner_ = nullptr;  // lives on the engine thread's stack
  const model::Transformer& model_;
  const tokenizer::Tokenizer* tok_;
  EngineOptions opt_;
  Metrics* metrics_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Sequence>> incoming_;  // submitted, not yet seen by the scheduler
  std::atomic<int64_t> queued_{0};                  // incoming + scheduler waiting
  int64_t running_ = 0;                             // sequences in the batch (guarded by mu_)
  uint64_t next_id_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace minke::serve
