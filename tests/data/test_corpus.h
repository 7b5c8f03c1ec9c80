// Helpers for the data-pipeline tests: deterministic pseudo-English
// documents that pass every default rule, and temp directories.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace minke::data::testing {

// Pseudo-words of 4-8 lower-case letters from a fixed generator.
class WordGen {
 public:
  explicit WordGen(uint64_t seed) : s_(seed * 0x9e3779b97f4a7c15ULL + 1) {}
  uint64_t Next() {
    s_ ^= s_ << 13, s_ ^= s_ >> 7, s_ ^= s_ << 17;
    return s_;
  }
  std::string Word() {
    std::string w;
    const int n = 4 + static_cast<int>(Next() % 5);
    for (int i = 0; i < n; ++i) w.push_back(static_cast<char>('a' + Next() % 26));
    return w;
  }

 private:
  uint64_t s_;
};

// `n` words: fresh pseudo-words with a stop word every 6th, in sentences of
// 12 words, one line per 3 sentences. Passes all default Gopher rules.
inline std::vector<std::string> GoodWords(uint64_t seed, int n) {
  static const char* kStop[] = {"the", "and", "of", "to", "with", "that"};
  WordGen g(seed);
  std::vector<std::string> w;
  for (int i = 0; i < n; ++i) w.push_back(i % 6 == 5 ? kStop[(i / 6) % 6] : g.Word());
  return w;
}

inline std::string Join(const std::vector<std::string>& words) {
  std::string s;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) s += (i % 36 == 0) ? "\n" : " ";
    s += words[i];
    if (i % 12 == 11) s += ".";
  }
  return s;
}

inline std::string GoodDoc(uint64_t seed, int n = 120) { return Join(GoodWords(seed, n)); }

// A fresh directory under the test temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = std::filesystem::temp_directory_path().string() + "/minke_data_XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string p = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::string path_;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CliOutcome {
  int exit_code;
  std::string out, err;
};

// Runs the minke binary with `args` (already shell-quoted), capturing its
// output in files under `dir`.
inline CliOutcome RunMinke(const std::string& dir, const std::string& args) {
  const std::string out = dir + "/stdout", err = dir + "/stderr";
  const std::string cmd = std::string("'") + MINKE_BINARY + "' --threads 2 " + args + " >'" + out + "' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), Slurp(out), Slurp(err)};
}

}  // namespace minke::data::testing
