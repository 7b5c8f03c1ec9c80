// Where the tokenizer tests find their data: the gzip copies committed under
// tests/fixtures/tokenizer (always there), or ../shared/tokenizer beside the
// repository (only on developer machines; tests that need it skip without it).
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace minke::tokenizer::testing_data {

inline std::string FixtureDir() { return std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/tokenizer/"; }
inline std::string SharedDir() { return std::string(MINKE_SOURCE_DIR) + "/../shared/tokenizer/"; }

// The whole decompressed content of a .gz file; "" (and a test failure) on error.
inline std::string Gunzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    ADD_FAILURE() << "cannot open " << path;
    return "";
  }
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, n);
  if (n < 0) ADD_FAILURE() << "gzip error in " << path;
  gzclose(f);
  return out;
}

inline std::optional<std::string> ReadShared(const std::string& rel) {
  std::ifstream in(SharedDir() + rel, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One JSON value per non-empty line.
inline std::vector<nlohmann::json> ParseJsonl(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// DeepSeek-V3's tokenizer from the committed fixture, loaded once (nullptr,
// with a test failure, if it does not load).
inline const Tokenizer* DeepSeekV3() {
  static const Tokenizer* t = [] {
    auto r = Tokenizer::FromJson(Gunzip(FixtureDir() + "deepseek_v3_tokenizer.json.gz"), "deepseek_v3/tokenizer.json");
    if (!r.ok()) {
      ADD_FAILURE() << r.status().message();
      return static_cast<Tokenizer*>(nullptr);
    }
    return new Tokenizer(std::move(r.value()));
  }();
  return t;
}

// Qwen2.5's tokenizer from ../shared, or nullptr when that is missing.
inline const Tokenizer* Qwen25() {
  static const Tokenizer* t = []() -> Tokenizer* {
    std::optional<std::string> text = ReadShared("qwen2_5/tokenizer.json");
    if (!text) return nullptr;
    auto r = Tokenizer::FromJson(*text, "qwen2_5/tokenizer.json");
    if (!r.ok()) {
      ADD_FAILURE() << r.status().message();
      return nullptr;
    }
    return new Tokenizer(std::move(r.value()));
  }();
  return t;
}

}  // namespace minke::tokenizer::testing_data
