// The ledger (data/provenance.h, data/hardware.h): derived figures, the
// files written, verification catching a one-byte change, and hardware
// parsing on fixed /proc and nvidia-smi text.
#include "data/provenance.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/sha256.h"
#include "data/token_meta.h"
#include "test_corpus.h"

namespace minke::data {
namespace {

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

RunRecord SampleRecord(const std::string& input) {
  RunRecord r;
  r.model_name = "tiny test model";
  auto in = HashFiles({input});
  EXPECT_TRUE(in.ok());
  r.inputs = *in;
  r.config_text = "{\"hidden_size\": 64}";
  r.config_format = "json";
  r.seed = 1234;
  r.hardware.cpu_model = "Test CPU";
  r.hardware.cpu_threads = 8;
  r.threads = 4;
  r.steps = 100;
  r.tokens_seen = 204800;
  r.wall_seconds = 20;
  r.flops = 4e12;
  r.flops_method = "6N + 3A per token";
  r.peak_flops = 1e12;
  r.peak_method = "measured 1024^3 sgemm";
  r.price_per_hour = 1.8;
  r.final_train_loss = 3.5;
  r.started_at = r.finished_at = UtcNow();
  return r;
}

TEST(Provenance, DerivesFiguresWithStatedMethods) {
  RunRecord r = SampleRecord(std::string(MINKE_SOURCE_DIR) + "/CMakeLists.txt");
  DerivedFigures d = Derive(r);
  EXPECT_DOUBLE_EQ(d.achieved_flops_per_s, 2e11);
  EXPECT_DOUBLE_EQ(d.mfu, 0.2);
  EXPECT_DOUBLE_EQ(d.power_watts, 40);  // default: 10 W x 4 threads
  EXPECT_DOUBLE_EQ(d.energy_kwh, 40 * 20 / 3.6e6);
  EXPECT_DOUBLE_EQ(d.cost, 1.8 * 20 / 3600);
  EXPECT_HAS(d.power_method, "10 W per CPU thread x 4 threads");
  r.hardware.gpus = {{"H100", 80ull << 30, 700}};
  EXPECT_DOUBLE_EQ(Derive(r).power_watts, 700);
  r.power_watts = 250;
  r.power_method = "RAPL reading";
  d = Derive(r);
  EXPECT_DOUBLE_EQ(d.power_watts, 250);
  EXPECT_HAS(d.power_method, "RAPL reading");
}

TEST(Provenance, WritesRecordAndCardThenVerifyCatchesTampering) {
  testing::TempDir dir;
  const std::string data = dir.Write("data/train.bin", "tokens");
  const std::string out = dir.path() + "/model";
  dir.Write("model/model.safetensors", std::string(1000, 'w'));
  dir.Write("model/config.json", "{\"hidden_size\": 64}");
  dir.Write("model/metrics.jsonl", "{\"step\": 1}\n");  // a log, not hashed
  RunRecord r = SampleRecord(data);
  r.data_report = "clean/report.json";
  ASSERT_TRUE(WriteProvenance(out, r).ok());

  const nlohmann::json j = nlohmann::json::parse(testing::Slurp(out + "/provenance.json"));
  ASSERT_EQ(j["outputs"].size(), 2u);
  EXPECT_EQ(j["outputs"][0]["path"], "config.json");
  EXPECT_EQ(j["outputs"][1]["path"], "model.safetensors");
  EXPECT_EQ(j["outputs"][1]["sha256"], Sha256Hex(std::string(1000, 'w')));
  EXPECT_EQ(j["outputs"][1]["bytes"], 1000);
  EXPECT_EQ(j["data"]["inputs"][0]["sha256"], Sha256Hex("tokens"));
  EXPECT_EQ(j["data"]["cleaning_report"], "clean/report.json");
  EXPECT_EQ(j["config"]["text"], "{\"hidden_size\": 64}");
  EXPECT_EQ(j["code_version"], RunRecord::CodeVersion());
  EXPECT_NE(j["code_version"], "");
  EXPECT_DOUBLE_EQ(j["compute"]["mfu"].get<double>(), 0.2);
  EXPECT_TRUE(j["training"]["final_val_loss"].is_null());  // NaN: not measured
  const std::string card = testing::Slurp(out + "/MODEL_CARD.md");
  for (const char* s :
       {"# tiny test model", "| steps | 100 |", "20.00% of 1T", "no power meter", "$0.0100 at $1.80/hour", "Test CPU",
        "`model.safetensors` | 1000 |", "{\"hidden_size\": 64}", "minke verify"})
    EXPECT_HAS(card, s);

  auto v = VerifyProvenance(out, /*check_inputs=*/true);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_TRUE(v->ok()) << v->problems[0];
  EXPECT_EQ(v->checked, 3);

  // One byte changed in the weights, the config removed, a new shard added.
  std::string w = testing::Slurp(out + "/model.safetensors");
  w[500] = 'x';
  dir.Write("model/model.safetensors", w);
  std::filesystem::remove(out + "/config.json");
  dir.Write("model/extra.safetensors", "e");
  v = VerifyProvenance(out, false);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->problems.size(), 3u);
  EXPECT_HAS(v->problems[0], "config.json: missing");
  EXPECT_HAS(v->problems[1], "model.safetensors: changed");
  EXPECT_HAS(v->problems[2], "extra.safetensors: not listed");
}

TEST(Provenance, TokenShardInputsHashTheShardsAndListTheCorpus) {
  testing::TempDir dir;
  TokenShardMeta m;
  m.vocab_size = 10;
  m.token_bytes = 2;
  m.train = {"train.bin", 2, 1, "not checked here"};
  m.val = {"val.bin", 0, 0, ""};
  m.inputs = {{"corpus/a.txt", 12, "abc123"}};
  dir.Write("s/meta.json", TokenShardMetaToJson(m));
  dir.Write("s/train.bin", std::string("\1\0\2\0", 4));
  dir.Write("s/val.bin", "");
  auto in = TokenShardInputs(dir.path() + "/s");
  ASSERT_TRUE(in.ok()) << in.status().message();
  ASSERT_EQ(in->size(), 4u);
  EXPECT_EQ((*in)[1].path, dir.path() + "/s/train.bin");
  EXPECT_EQ((*in)[1].sha256, Sha256Hex(std::string("\1\0\2\0", 4)));
  EXPECT_EQ((*in)[1].bytes, 4u);
  EXPECT_EQ((*in)[3].path, "corpus/a.txt");
  EXPECT_EQ((*in)[3].sha256, "abc123");
  std::filesystem::remove(dir.path() + "/s/val.bin");
  in = TokenShardInputs(dir.path() + "/s");
  ASSERT_FALSE(in.ok());
  EXPECT_HAS(in.status().message(), "val.bin");
}

TEST(Provenance, VerifyCliExitCodes) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/m";
  dir.Write("m/model.safetensors", "weights");
  ASSERT_TRUE(WriteProvenance(out, SampleRecord(out + "/model.safetensors")).ok());
  testing::CliOutcome o = testing::RunMinke(dir.path(), "verify '" + out + "'");
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_HAS(o.out, "ok       1 file(s) match");
  dir.Write("m/model.safetensors", "weightz");
  o = testing::RunMinke(dir.path(), "verify '" + out + "'");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_HAS(o.out, "MISMATCH model.safetensors: changed");
  EXPECT_HAS(o.err, "1 problem(s)");
  o = testing::RunMinke(dir.path(), "verify '" + dir.path() + "'");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_HAS(o.err, "provenance.json");
  dir.Write("m/provenance.json",
            "{\"format\": \"minke-provenance\", \"outputs\": [{\"path\": \"../x\", \"bytes\": 1, "
            "\"sha256\": \"00\"}]}");
  o = testing::RunMinke(dir.path(), "verify '" + out + "'");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_HAS(o.out, "../x: not a path inside the directory");
}

TEST(Hardware, ParsesProcFilesAndNvidiaSmi) {
  // Two sockets x 2 cores x 2 hyper-threads.
  std::string cpuinfo;
  for (int p = 0; p < 8; ++p)
    cpuinfo += "processor\t: " + std::to_string(p) +
               "\nmodel name\t: Fake Xeon @ 2.0GHz\nphysical id\t: " + std::to_string(p / 4) +
               "\ncore id\t\t: " + std::to_string(p % 2) + "\n\n";
  HardwareInfo hw;
  ParseCpuInfo(cpuinfo, &hw);
  EXPECT_EQ(hw.cpu_model, "Fake Xeon @ 2.0GHz");
  EXPECT_EQ(hw.cpu_cores, 4);
  EXPECT_EQ(hw.cpu_threads, 8);
  EXPECT_EQ(ParseMemTotal("MemFree: 5 kB\nMemTotal:       16318480 kB\n"), 16318480ull * 1024);
  auto gpus = ParseNvidiaSmi("NVIDIA H100 80GB HBM3, 81559, 700.00\nNVIDIA A10, [N/A], [N/A]\n");
  ASSERT_EQ(gpus.size(), 2u);
  EXPECT_EQ(gpus[0].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(gpus[0].memory_bytes, 81559ull << 20);
  EXPECT_EQ(gpus[0].power_limit_watts, 700);
  EXPECT_EQ(gpus[1].power_limit_watts, 0);
  const HardwareInfo here = DetectHardware();
  EXPECT_GT(here.cpu_threads, 0);
  EXPECT_GT(here.ram_bytes, 0u);
  EXPECT_GT(MeasureGemmPeakFlops(128, 1), 1e6);
}

}  // namespace
}  // namespace minke::data
