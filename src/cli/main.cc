// minke: one binary, many subcommands (`minke --help`).
#include <cstdio>
#include <new>
#include <stdexcept>

#include "cli/commands.h"
#include "kernels/cpu/gemm.h"

int main(int argc, char** argv) {
  CLI::App app{"minke: DeepSeek-architecture models in C++ (MLA, MoE, MTP, FP8)"};
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "Threads for compute (default: all cores)");
  minke::cli::Action action;
  minke::cli::RegisterInfo(app, &action);
  minke::cli::RegisterLogits(app, &action);
  minke::cli::RegisterInit(app, &action);
  minke::cli::RegisterGenerate(app, &action);
  minke::cli::RegisterChat(app, &action);
  minke::cli::RegisterTokenize(app, &action);
  minke::cli::RegisterTokenizer(app, &action);
  minke::cli::RegisterData(app, &action);
  minke::cli::RegisterCost(app, &action);
  minke::cli::RegisterConvert(app, &action);
  minke::cli::RegisterQuantize(app, &action);
  minke::cli::RegisterPerplexity(app, &action);
  minke::cli::RegisterPlot(app, &action);
  minke::cli::RegisterVerify(app, &action);
  minke::cli::RegisterTrain(app, &action);
  minke::cli::RegisterServe(app, &action);
  CLI11_PARSE(app, argc, argv);
  minke::kernels::SetNumThreads(threads);
  minke::Status s;
  try {
    s = action();
  } catch (const std::bad_alloc&) {
    s = minke::Status::Error("out of memory (a context or model too large for this machine?)");
  } catch (const std::length_error&) {
    s = minke::Status::Error("out of memory (a size too large to allocate)");
  }
  if (!s.ok()) {
    std::fprintf(stderr, "minke: error: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
