// The `minke` binary end to end: exit codes, messages on stderr, and the
// size of what `minke logits --out` writes.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <algorithm>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "output: " << (msg)

const char* kTinyConfig = R"({
  "model_type": "deepseek_v3", "vocab_size": 64, "hidden_size": 32, "intermediate_size": 48,
  "moe_intermediate_size": 16, "num_hidden_layers": 2, "first_k_dense_replace": 1,
  "num_nextn_predict_layers": 1, "num_attention_heads": 4, "q_lora_rank": 16, "kv_lora_rank": 16,
  "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 8, "n_routed_experts": 8,
  "num_experts_per_tok": 2, "n_group": 2, "topk_group": 1, "n_shared_experts": 1,
  "max_position_embeddings": 128
})";
constexpr size_t kVocab = 64;

struct Outcome {
  int exit_code;
  std::string out, err;
};

class CliTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "minke_cli_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Runs `minke ARGS` (args are shell words), capturing stdout and stderr.
  Outcome Minke(const std::string& args) {
    const std::string out = dir_ + "/stdout", err = dir_ + "/stderr";
    std::string cmd = std::string("'") + MINKE_BINARY + "' --threads 1 " + args + " >'" + out + "' 2>'" + err + "'";
    int status = std::system(cmd.c_str());
    Outcome r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }
  // `minke init` of the tiny config into dir/model.
  std::string Init(const std::string& dtype = "f32") {
    std::ofstream(dir_ + "/config.json") << kTinyConfig;
    const std::string model = dir_ + "/model";
    Outcome r = Minke("init --config '" + dir_ + "/config.json' --out '" + model + "' --dtype " + dtype);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return model;
  }

  std::string dir_;
};

TEST_F(CliTest, Help) {
  Outcome r = Minke("--help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_HAS(r.out, "info");
  EXPECT_HAS(r.out, "logits");
  EXPECT_HAS(r.out, "init");
}

TEST_F(CliTest, NoSubcommand) { EXPECT_NE(Minke("").exit_code, 0); }

TEST_F(CliTest, UnknownSubcommand) { EXPECT_NE(Minke("frobnicate").exit_code, 0); }

TEST_F(CliTest, InfoMissingModel) {
  Outcome r = Minke("info --model /nonexistent");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "error");
  EXPECT_HAS(r.err, "/nonexistent");
}

TEST_F(CliTest, InfoRequiresModel) {
  Outcome r = Minke("info");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_HAS(r.out + r.err, "--model");
}

TEST_F(CliTest, InitInfoLogits) {
  const std::string model = Init();
  ASSERT_TRUE(fs::exists(model + "/model.safetensors"));
  ASSERT_TRUE(fs::exists(model + "/config.json"));

  Outcome info = Minke("info --model '" + model + "'");
  EXPECT_EQ(info.exit_code, 0) << info.err;
  EXPECT_HAS(info.out, "deepseek_v3");
  EXPECT_HAS(info.out, "vocab 64");

  const std::string out = dir_ + "/logits.bin";
  Outcome logits = Minke("logits --model '" + model + "' --tokens 1,2 --out '" + out + "'");
  EXPECT_EQ(logits.exit_code, 0) << logits.err;
  ASSERT_TRUE(fs::exists(out));
  EXPECT_EQ(fs::file_size(out), 2 * kVocab * 4);

  // Without --out: one line of vocab values per token.
  Outcome printed = Minke("logits --model '" + model + "' --tokens 3,4,5");
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  std::istringstream lines(printed.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    std::istringstream vals(line);
    size_t count = 0;
    for (double v; vals >> v;) ++count;
    EXPECT_EQ(count, kVocab);
    ++n;
  }
  EXPECT_EQ(n, 3);
}

TEST_F(CliTest, LogitsMtp) {
  const std::string model = Init("fp8");
  const std::string out = dir_ + "/mtp.bin";
  Outcome r = Minke("logits --model '" + model + "' --tokens 1,2,3,4 --mtp --out '" + out + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fs::file_size(out), (4 - 1) * kVocab * 4);
  // One token is too few for MTP.
  r = Minke("logits --model '" + model + "' --tokens 1 --mtp --out '" + out + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "MTP");
}

TEST_F(CliTest, LogitsBadTokens) {
  const std::string model = Init();
  for (const char* bad : {"1,x", "1,,2", "-3", "1.5", "99999999999", ""}) {
    Outcome r = Minke("logits --model '" + model + "' --tokens '" + bad + "'");
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_HAS(r.err, "error");
    EXPECT_HAS(r.err, "--tokens");
  }
  Outcome r = Minke("logits --model '" + model + "' --tokens 1,x");
  EXPECT_HAS(r.err, "'x'");
}

TEST_F(CliTest, LogitsTokenOutOfVocabulary) {
  const std::string model = Init();
  Outcome r = Minke("logits --model '" + model + "' --tokens 1,64");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "vocabulary");
}

TEST_F(CliTest, InitBadDType) {
  std::ofstream(dir_ + "/config.json") << kTinyConfig;
  Outcome r = Minke("init --config '" + dir_ + "/config.json' --out '" + dir_ + "/m' --dtype int4");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "'int4'");
}

TEST_F(CliTest, InitBadConfig) {
  std::ofstream(dir_ + "/config.json") << R"({"model_type": "llama"})";
  Outcome r = Minke("init --config '" + dir_ + "/config.json' --out '" + dir_ + "/m'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "config.json");
  EXPECT_HAS(r.err, "llama");
}

TEST_F(CliTest, InitExampleConfig) {
  const std::string cfg = std::string(MINKE_SOURCE_DIR) + "/examples/tiny_v3.json";
  Outcome r = Minke("init --config '" + cfg + "' --out '" + dir_ + "/ex' --dtype bf16");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Outcome info = Minke("info --model '" + dir_ + "/ex'");
  EXPECT_EQ(info.exit_code, 0) << info.err;
}

}  // namespace

namespace {

TEST_F(CliTest, GenerateGreedyIsDeterministicAndValidated) {
  const std::string model = Init("bf16");
  Outcome a = Minke("generate --model '" + model + "' --tokens 1,2,3 --max-new-tokens 6 --temperature 0");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), ','), 5) << a.out;  // six ids
  EXPECT_HAS(a.err, "tok/s");
  Outcome b = Minke("generate --model '" + model + "' --tokens 1,2,3 --max-new-tokens 6 --temperature 0");
  EXPECT_EQ(a.out, b.out);
  Outcome bad = Minke("generate --model '" + model + "' --tokens 1,2 --top-p 1.5");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_HAS(bad.err, "top_p");
  Outcome both = Minke("generate --model '" + model + "' --tokens 1 --prompt hi");
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_HAS(both.err, "exactly one");
  Outcome no_tok = Minke("generate --model '" + model + "' --prompt hi");
  EXPECT_EQ(no_tok.exit_code, 1);
  EXPECT_HAS(no_tok.err, "tokenizer.json");
}

}  // namespace

namespace {

TEST_F(CliTest, ConvertQuantizeAndRunGguf) {
  const std::string model = Init("bf16");
  const std::string gguf = dir_ + "/m.gguf";
  Outcome c = Minke("convert --model '" + model + "' --to gguf --type f32 --out '" + gguf + "'");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_HAS(c.err, "placeholder");  // no tokenizer.json beside the model
  EXPECT_HAS(c.err, "MTP");          // the tiny config has an MTP layer; deepseek2 GGUFs do not
  const std::string a = dir_ + "/a.bin", b = dir_ + "/b.bin";
  ASSERT_EQ(Minke("logits --model '" + model + "' --tokens 1,2,3 --out '" + a + "'").exit_code, 0);
  ASSERT_EQ(Minke("logits --model '" + gguf + "' --tokens 1,2,3 --out '" + b + "'").exit_code, 0);
  // BF16 widened to F32 exactly; only the kernels differ (BF16 GEMV vs F32 GEMV).
  const std::string la = Slurp(a), lb = Slurp(b);
  ASSERT_EQ(la.size(), lb.size());
  for (size_t i = 0; i + 4 <= la.size(); i += 4) {
    float x, y;
    std::memcpy(&x, &la[i], 4);
    std::memcpy(&y, &lb[i], 4);
    EXPECT_NEAR(x, y, 1e-5f);
  }

  const std::string q = dir_ + "/q4";
  Outcome qz = Minke("quantize --model '" + model + "' --out '" + q + "' --type q4_0");
  ASSERT_EQ(qz.exit_code, 0) << qz.err;
  ASSERT_TRUE(fs::exists(q + "/model.gguf"));
  Outcome gen = Minke("generate --model '" + q + "' --tokens 1,2,3 --max-new-tokens 4");
  EXPECT_EQ(gen.exit_code, 0) << gen.err;

  EXPECT_HAS(Minke("convert --model '" + model + "' --type int4 --out '" + gguf + "'").err, "'int4'");
  EXPECT_HAS(Minke("convert --model '" + model + "' --to onnx --out '" + gguf + "'").err, "'onnx'");
  EXPECT_HAS(Minke("quantize --model '" + model + "' --out '" + q + "' --type bf16").err, "q8_0 or q4_0");
  std::ofstream(dir_ + "/junk.gguf") << "GGUF\x03";
  Outcome junk = Minke("info --model '" + dir_ + "/junk.gguf'");
  EXPECT_EQ(junk.exit_code, 1);
  EXPECT_HAS(junk.err, "junk.gguf");
}

TEST_F(CliTest, PerplexityRejectsATokenizerTooBigForTheModel) {
  const std::string model = Init();
  std::ofstream(dir_ + "/text.txt") << "In the beginning God created the heaven and the earth.";
  const std::string tok = std::string(MINKE_SOURCE_DIR) + "/../shared/tokenizer/deepseek_v3/tokenizer.json";
  if (!fs::exists(tok)) GTEST_SKIP() << "shared/ (DeepSeek-V3 tokenizer) not present";
  Outcome r = Minke("perplexity --model '" + model + "' --text '" + dir_ + "/text.txt' --tokenizer '" + tok + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "outside the model's vocabulary of 64");
}

}  // namespace
