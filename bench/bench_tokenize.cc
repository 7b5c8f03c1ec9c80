// bench_tokenize TOKENIZER_JSON CORPUS [THREADS]: encode throughput of minke's
// tokenizer. The corpus is split into documents at blank lines; each document
// is encoded separately (no special tokens), first on one thread, then on
// THREADS threads (default: all cores) over an atomic document counter.
// Prints one JSON line: MB/s for both, token count, and an FNV-1a hash of all
// ids in order (bench/tokenize_vs_hf.py compares it with HF's).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/mapped_file.h"
#include "tokenizer/tokenizer.h"

namespace {

std::vector<std::string_view> SplitDocs(std::string_view text) {
  std::vector<std::string_view> docs;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find("\n\n", start);
    end = end == std::string_view::npos ? text.size() : end + 2;
    docs.push_back(text.substr(start, end - start));
    start = end;
  }
  return docs;
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_tokenize TOKENIZER_JSON CORPUS [THREADS]\n");
    return 2;
  }
  const int threads = argc > 3 ? std::atoi(argv[3]) : static_cast<int>(std::thread::hardware_concurrency());
  auto t0 = std::chrono::steady_clock::now();
  auto tok = minke::tokenizer::Tokenizer::FromFile(argv[1]);
  if (!tok.ok()) return std::fprintf(stderr, "bench_tokenize: %s\n", tok.status().message().c_str()), 1;
  const double load_s = Seconds(t0);
  auto corpus = minke::ReadFileToString(argv[2]);
  if (!corpus.ok()) return std::fprintf(stderr, "bench_tokenize: %s\n", corpus.status().message().c_str()), 1;
  const std::vector<std::string_view> docs = SplitDocs(*corpus);
  const double mb = corpus->size() / 1e6;

  // One thread, documents in order; hash the ids.
  std::vector<uint32_t> ids;
  uint64_t hash = 1469598103934665603ull, tokens = 0;
  t0 = std::chrono::steady_clock::now();
  for (std::string_view d : docs) {
    ids.clear();
    if (!tok->Encode(d, false, &ids).ok()) return std::fprintf(stderr, "bench_tokenize: encode failed\n"), 1;
    tokens += ids.size();
    for (uint32_t id : ids) hash = (hash ^ id) * 1099511628211ull;
  }
  const double one_s = Seconds(t0);

  // All threads.
  std::atomic<size_t> next{0};
  t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k)
    pool.emplace_back([&] {
      std::vector<uint32_t> local;
      for (size_t i; (i = next.fetch_add(1)) < docs.size();) {
        local.clear();
        (void)tok->Encode(docs[i], false, &local);
      }
    });
  for (auto& t : pool) t.join();
  const double all_s = Seconds(t0);
  std::printf(
      "{\"bytes\": %zu, \"docs\": %zu, \"tokens\": %llu, \"ids_fnv1a\": \"%016llx\", \"load_s\": %.3f, "
      "\"mb_per_s_1thread\": %.2f, \"threads\": %d, \"mb_per_s_all\": %.2f}\n",
      corpus->size(), docs.size(), (unsigned long long)tokens, (unsigned long long)hash, load_s, mb / one_s, threads,
      mb / all_s);
  return 0;
}
