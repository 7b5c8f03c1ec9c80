// The subcommands of the `minke` binary. Each Register* adds its CLI11
// subcommand; the callback parses nothing itself, calls the library, and
// returns a Status that main() turns into one message and an exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "infer/sampler.h"

namespace minke::cli {

using Action = std::function<Status()>;

void RegisterInfo(CLI::App& app, Action* action);
void RegisterLogits(CLI::App& app, Action* action);
void RegisterInit(CLI::App& app, Action* action);
void RegisterGenerate(CLI::App& app, Action* action);
void RegisterChat(CLI::App& app, Action* action);
void RegisterTokenize(CLI::App& app, Action* action);
void RegisterTokenizer(CLI::App& app, Action* action);
void RegisterData(CLI::App& app, Action* action);
void RegisterCost(CLI::App& app, Action* action);
void RegisterServe(CLI::App& app, Action* action);
void RegisterConvert(CLI::App& app, Action* action);
void RegisterQuantize(CLI::App& app, Action* action);
void RegisterPerplexity(CLI::App& app, Action* action);
void RegisterPlot(CLI::App& app, Action* action);
void RegisterVerify(CLI::App& app, Action* action);
void RegisterTrain(CLI::App& app, Action* action);
// `data tokenize`, under the `data` group that RegisterData creates.
void RegisterDataTokenize(CLI::App& data_group, Action* action);

// The sampling flags of `generate` and `chat` (--temperature, --top-k, --top-p,
// --min-p, the penalties, --seed), bound to *s.
void AddSamplingOptions(CLI::App* cmd, infer::SamplingParams* s);

// "1,2,3" -> {1, 2, 3}; `flag` names the option in errors.
Result<std::vector<int32_t>> ParseTokenList(const std::string& s, const std::string& flag);

}  // namespace minke::cli
