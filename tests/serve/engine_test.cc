// The engine and its scheduler: sequences batched together (joining and
// leaving at token boundaries) produce exactly what infer::Generate produces
// for each alone; cancel, queue bound, stop strings and limits.
#include "serve/engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "infer/generator.h"
#include "serve/model_runner.h"
#include "serve/scheduler.h"
#include "serve_fixture.h"

namespace minke::serve {
namespace {

using testing_model::Tiny;

// All of a stream's output, waiting for the end.
StreamChunk Drain(Stream& s) {
  StreamChunk all;
  for (;;) {
    StreamChunk c = s.Take(std::chrono::milliseconds(5000));
    all.text += c.text;
    all.tokens.insert(all.tokens.end(), c.tokens.begin(), c.tokens.end());
    if (c.finished) {
      all.finished = true;
      all.finish_reason = c.finish_reason;
      all.error = c.error;
      all.completion_tokens = c.completion_tokens;
      all.prompt_tokens = c.prompt_tokens;
      return all;
    }
  }
}

infer::GenerateResult Alone(const GenRequest& r) {
  infer::GenerateOptions opt;
  opt.max_new_tokens = r.max_tokens;
  opt.stop_tokens = r.stop_tokens;
  opt.sampling = r.sampling;
  infer::GenerateResult out;
  Status st = infer::Generate(*Tiny().model, r.prompt, opt, nullptr, &out);
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

GenRequest Req(std::vector<int32_t> prompt, int64_t max_tokens, float temperature = 0, uint64_t seed = 0) {
  GenRequest r;
  r.prompt = std::move(prompt);
  r.max_tokens = max_tokens;
  r.sampling.temperature = temperature;
  r.sampling.seed = seed;
  return r;
}

// Different prompt lengths and budgets, greedy and sampled, submitted together:
// they run in shared steps (prefill beside decode, finishing at different times).
TEST(Engine, BatchedSequencesMatchGenerateAlone) {
  ASSERT_TRUE(Tiny().model);
  std::vector<GenRequest> reqs = {Req({5, 17, 3, 42}, 12),       Req({7}, 20),
                                  Req({1, 2, 3, 4, 5, 6, 7}, 5), Req({9, 9}, 16, 0.8f, 11),
                                  Req({100, 30, 8}, 9, 1.0f, 3), Req({44, 45, 46, 47, 48}, 14)};
  reqs[1].stop_tokens = {testing_model::kEos};
  Metrics metrics;
  EngineOptions opt;
  opt.scheduler.max_batch = 4;  // fewer slots than requests: some wait and join later
  std::vector<std::shared_ptr<Stream>> streams;
  {
    Engine engine(*Tiny().model, Tiny().tok.get(), opt, &metrics);
    for (const GenRequest& r : reqs) streams.push_back(engine.Submit(r));
    for (size_t i = 0; i < reqs.size(); ++i) {
      ASSERT_TRUE(streams[i]);
      StreamChunk got = Drain(*streams[i]);
      infer::GenerateResult want = Alone(reqs[i]);
      EXPECT_EQ(got.tokens, want.tokens) << "request " << i;
      EXPECT_EQ(got.finish_reason, want.finish_reason) << "request " << i;
      EXPECT_EQ(got.completion_tokens, static_cast<int64_t>(want.tokens.size()));
      std::vector<uint32_t> ids(want.tokens.begin(), want.tokens.end());
      EXPECT_EQ(got.text, Tiny().tok->Decode(ids, true).value()) << "request " << i;
    }
  }
  EXPECT_NE(metrics.Render().find("minke_batch_size_bucket{le=\"4\"}"), std::string::npos);
}

// The scheduler on its own: slots, FIFO admission and the prefill budget.
TEST(Scheduler, AdmitsWithinSlotsAndPrefillBudget) {
  ASSERT_TRUE(Tiny().model);
  SchedulerOptions o;
  o.max_batch = 2;
  o.max_prefill_tokens = 5;
  Scheduler sched(Tiny().model->config(), o);
  for (int i = 0; i < 3; ++i)
    sched.Add(std::make_unique<Sequence>(i, Req({1, 2, 3}, 2), std::make_shared<Stream>(3), nullptr));
  std::vector<Sequence*> b = sched.Schedule();
  ASSERT_EQ(b.size(), 1u);  // 3 + 3 prompt tokens exceed the budget of 5
  ModelRunner runner(*Tiny().model);
  ASSERT_TRUE(runner.Run(b).ok());
  b = sched.Schedule();
  ASSERT_EQ(b.size(), 2u);  // the second joins the first's decode step
  EXPECT_EQ(b[0]->id(), 0u);
  EXPECT_EQ(b[1]->id(), 1u);
  ASSERT_TRUE(runner.Run(b).ok());  // sequence 0 reaches max_tokens = 2
  EXPECT_EQ(sched.Postprocess().size(), 1u);
  b = sched.Schedule();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1]->id(), 2u);
  EXPECT_EQ(sched.waiting(), 0u);
}

TEST(Engine, QueueBoundAndCancel) {
  ASSERT_TRUE(Tiny().model);
  EngineOptions opt;
  opt.scheduler.max_batch = 1;
  opt.max_queue = 1;
  Engine engine(*Tiny().model, nullptr, opt);
  // A long request occupies the only slot; cancel it later.
  auto first = engine.Submit(Req({1, 2}, 90));
  ASSERT_TRUE(first);
  first->Take(std::chrono::milliseconds(5000));  // running now
  auto second = engine.Submit(Req({3}, 3));
  ASSERT_TRUE(second);                             // waits in the queue
  EXPECT_EQ(engine.Submit(Req({4}, 3)), nullptr);  // the queue is full
  first->Cancel();                                 // as a gone client: its slot frees and the queued one runs
  StreamChunk c = Drain(*second);
  EXPECT_EQ(c.finish_reason, "length");
  EXPECT_EQ(c.tokens.size(), 3u);
  EXPECT_TRUE(Drain(*first).finished);
  EXPECT_NE(engine.Submit(Req({4}, 1)), nullptr);
}

TEST(Engine, StopStringsAndContextLimit) {
  ASSERT_TRUE(Tiny().model);
  Engine engine(*Tiny().model, Tiny().tok.get(), EngineOptions());
  // Learn what greedy decoding says, then stop on a piece of it.
  StreamChunk full = Drain(*engine.Submit(Req({10, 20, 30}, 24)));
  ASSERT_GE(full.text.size(), 6u);
  GenRequest r = Req({10, 20, 30}, 24);
  // A stop string from the middle of the text, on a UTF-8 boundary.
  size_t at = 3;
  while (at < full.text.size() && (static_cast<unsigned char>(full.text[at]) & 0xC0) == 0x80) ++at;
  r.stop = {full.text.substr(at, 2)};
  StreamChunk cut = Drain(*engine.Submit(r));
  EXPECT_EQ(cut.finish_reason, "stop");
  EXPECT_EQ(cut.text, full.text.substr(0, full.text.find(r.stop[0])));
  // The context (96 positions) ends generation with "length".
  std::vector<int32_t> long_prompt(90, 65);
  StreamChunk c = Drain(*engine.Submit(Req(long_prompt, 50)));
  EXPECT_EQ(c.finish_reason, "length");
  EXPECT_EQ(c.completion_tokens, 96 - 90 + 1);  // as infer::Generate: the last token needs no cache slot
}

}  // namespace
}  // namespace minke::serve
