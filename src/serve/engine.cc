#include "serve/engine.h"

#include <new>

#include "serve/model_runner.h"

namespace minke::serve {
namespace {

double Since(Sequence::Clock::time_point t0, Sequence::Clock::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

}  // namespace

Engine::Engine(const model::Transformer& m, const tokenizer::Tokenizer* tok, EngineOptions opt, Metrics* metrics)
    : model_(m), tok_(tok), opt_(opt), metrics_(metrics), thread_([this] { Loop(); }) {}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::shared_ptr<Stream> Engine::Submit(GenRequest r) {
  auto stream = std::make_shared<Stream>(static_cast<int64_t>(r.prompt.size()));
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_ || queued_.load() + running_ >= opt_.scheduler.max_batch + opt_.max_queue) return nullptr;
    incoming_.push_back(std::make_unique<Sequence>(next_id_++, std::move(r), stream, tok_));
    ++queued_;
  }
  cv_.notify_one();
  return stream;
}

void Engine::Step(Scheduler* sched) {
  sched->DropCancelled();
  std::vector<Sequence*> batch = sched->Schedule();
  {
    std::lock_guard<std::mutex> l(mu_);
    queued_ = static_cast<int64_t>(incoming_.size() + sched->waiting());
    running_ = static_cast<int64_t>(sched->running());
  }
  if (metrics_) {
    metrics_->queue_depth = queued_.load();
    metrics_->running = static_cast<int64_t>(batch.size());
  }
  if (!batch.empty()) {
    const auto t0 = Sequence::Clock::now();
    int64_t prefill = 0;
    for (Sequence* s : batch)
      if (s->cache()->length() == 0) prefill += s->prompt_len();
    Status st;
    try {
      st = runner_->Run(batch);
    } catch (const std::bad_alloc&) {
      st = Status::Error("out of memory in a batch of " + std::to_string(batch.size()));
    }
    if (!st.ok())  // a bug or an exhausted resource: fail these requests, keep serving others
      for (Sequence* s : batch) s->Finish("stop", st.message());
    if (metrics_) {
      metrics_->batch_size.Observe(static_cast<double>(batch.size()));
      metrics_->step_seconds.Observe(Since(t0, Sequence::Clock::now()));
      metrics_->prompt_tokens += static_cast<uint64_t>(prefill);
    }
  }
  std::vector<std::unique_ptr<Sequence>> done = sched->Postprocess();
  {
    std::lock_guard<std::mutex> l(mu_);
    running_ = static_cast<int64_t>(sched->running());
  }
  for (const std::unique_ptr<Sequence>& s : done) {
    if (!metrics_) continue;
    metrics_->generation_tokens += static_cast<uint64_t>(s->generated());
    if (s->finish_reason() == "cancelled") ++metrics_->cancelled;
    if (s->generated() > 0) metrics_->time_to_first_token_seconds.Observe(Since(s->submitted, s->first_token));
    metrics_->request_seconds.Observe(Since(s->submitted, Sequence::Clock::now()));
  }
}

void Engine::Loop() {
  Scheduler sched(model_.config(), opt_.scheduler);
  ModelRunner runner(model_);
  runner_ = &runner;
  for (;;) {
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return stopping_ || !incoming_.empty() || !sched.idle(); });
      if (stopping_) break;
      while (!incoming_.empty()) {
        sched.Add(std::move(incoming_.front()));
        incoming_.pop_front();
      }
    }
    Step(&sched);
  }
  // Shutting down: nobody will produce these streams' output.
  std::lock_guard<std::mutex> l(mu_);
  for (auto& s : incoming_) s->Finish("stop", "the server is shutting down");
  sched.FinishAll("the server is shutting down");
}

}  // namespace minke::serve
