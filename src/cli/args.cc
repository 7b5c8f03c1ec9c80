#include <cerrno>
#include <climits>
#include <cstdlib>
#include <sstream>

#include "cli/commands.h"

namespace minke::cli {

void AddSamplingOptions(CLI::App* cmd, infer::SamplingParams* s) {
  cmd->add_option("--temperature", s->temperature, "0 = greedy")->capture_default_str();
  cmd->add_option("--top-k", s->top_k, "Keep the k most likely tokens (0 = off)");
  cmd->add_option("--top-p", s->top_p, "Nucleus sampling mass (1 = off)");
  cmd->add_option("--min-p", s->min_p, "Drop tokens below min_p x the top probability");
  cmd->add_option("--repetition-penalty", s->repetition_penalty, "CTRL-style penalty on seen tokens (1 = off)");
  cmd->add_option("--presence-penalty", s->presence_penalty, "OpenAI-style presence penalty");
  cmd->add_option("--frequency-penalty", s->frequency_penalty, "OpenAI-style frequency penalty");
  cmd->add_option("--seed", s->seed, "Random seed (same seed and input, same output)");
}

Result<std::vector<int32_t>> ParseTokenList(const std::string& s, const std::string& flag) {
  std::vector<int32_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno != 0 || v < 0 || v > INT32_MAX)
      return Status::Error(flag + ": '" + item + "' is not a token id");
    out.push_back(static_cast<int32_t>(v));
  }
  if (out.empty()) return Status::Error(flag + ": no token ids given");
  return out;
}

}  // namespace minke::cli
