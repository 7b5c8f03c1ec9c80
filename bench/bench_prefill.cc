// Times minke's prefill (full forward over N prompt tokens, logits for the
// last position only, as a server's prefill) on a checkpoint.
// Prints `prefill_tokens_per_s=<float>` (median over --iters) for
// bench/prefill_vs_pytorch.py, which runs PyTorch on the same file.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "io/model_loader.h"
#include "kernels/cpu/gemm.h"

int main(int argc, char** argv) {
  std::string dir;
  int tokens = 512, iters = 3, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--model")
      dir = argv[i + 1];
    else if (a == "--tokens")
      tokens = std::atoi(argv[i + 1]);
    else if (a == "--iters")
      iters = std::atoi(argv[i + 1]);
    else if (a == "--threads")
      threads = std::atoi(argv[i + 1]);
  }
  if (dir.empty() || tokens <= 0 || iters <= 0) {
    std::fprintf(stderr, "usage: bench_prefill --model DIR [--tokens 512] [--iters 3] [--threads N]\n");
    return 2;
  }
  minke::kernels::SetNumThreads(threads);
  auto lm = minke::io::LoadModel(dir);
  if (!lm.ok()) {
    std::fprintf(stderr, "bench_prefill: %s\n", lm.status().message().c_str());
    return 1;
  }
  const auto& model = *lm->model;
  std::mt19937 rng(0);
  std::vector<int32_t> ids(tokens);
  for (auto& t : ids) t = static_cast<int32_t>(rng() % model.config().vocab_size);
  std::vector<float> logits;
  using Rows = minke::model::Transformer::LogitRows;
  auto st = model.Forward(ids, &logits, nullptr, Rows::kLast);  // warm-up: pages in the weights
  if (!st.ok()) {
    std::fprintf(stderr, "bench_prefill: %s\n", st.message().c_str());
    return 1;
  }
  std::vector<double> secs;
  for (int i = 0; i < iters; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    (void)model.Forward(ids, &logits, nullptr, Rows::kLast);
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(secs.begin(), secs.end());
  double median = secs[secs.size() / 2];
  std::fprintf(stderr, "minke prefill: %d tokens, %d threads, median %.3f s\n", tokens, minke::kernels::NumThreads(),
               median);
  std::printf("prefill_tokens_per_s=%.2f\n", tokens / median);
  return 0;
}
