// Logits against golden data from Hugging Face transformers (and, for MTP
// and FP8, the paper-faithful torch definitions in tools/gen_golden.py).
// Each directory under tests/fixtures/model/ is one tiny checkpoint with a
// golden.safetensors: input_ids [T], logits [T, V], optionally mtp_logits
// [T-1, V]. Tolerance: 1e-4 max abs error for every weight dtype, because
// the references ran in fp32 on the very values stored (bf16-rounded or
// fp8-dequantized) and minke computes in fp32 too.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "io/model_loader.h"
#include "io/safetensors.h"

namespace minke {
namespace {

constexpr double kTolerance = 1e-4;

std::vector<std::string> Cases() {
  std::vector<std::string> out;
  const std::string root = std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/model";
  if (DIR* d = ::opendir(root.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n[0] != '.' && n.find('.') == std::string::npos) out.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<float> Floats(const TensorView& v) {
  std::vector<float> out(static_cast<size_t>(v.numel()));
  ConvertToF32(v.dtype, v.data, out.data(), out.size());
  return out;
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, static_cast<double>(std::fabs(a[i] - b[i])));
  return m;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, LogitsMatchTransformers) {
  const std::string dir = std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/model/" + GetParam();
  auto golden = io::SafetensorsFile::Open(dir + "/golden.safetensors");
  ASSERT_TRUE(golden.ok()) << golden.status().message();
  const auto& g = (*golden)->contents().tensors;
  ASSERT_TRUE(g.count("input_ids") && g.count("logits"));
  const TensorView& ids_view = g.at("input_ids");
  ASSERT_EQ(ids_view.dtype, DType::I64);
  std::vector<int32_t> ids;
  for (int64_t i = 0; i < ids_view.numel(); ++i)
    ids.push_back(static_cast<int32_t>(static_cast<const int64_t*>(ids_view.data)[i]));

  auto lm = io::LoadModel(dir);
  ASSERT_TRUE(lm.ok()) << lm.status().message();
  std::vector<float> logits, hidden;
  ASSERT_TRUE(lm->model->Forward(ids, &logits, &hidden).ok());
  std::vector<float> want = Floats(g.at("logits"));
  ASSERT_EQ(logits.size(), want.size());
  double err = MaxAbsDiff(logits, want);
  EXPECT_LE(err, kTolerance) << GetParam() << ": logits max abs error " << err;

  if (g.count("mtp_logits")) {
    std::vector<float> mtp;
    auto st = lm->model->MtpForward(ids, hidden, 1, &mtp);
    ASSERT_TRUE(st.ok()) << st.message();
    std::vector<float> want_mtp = Floats(g.at("mtp_logits"));
    ASSERT_EQ(mtp.size(), want_mtp.size());
    double mtp_err = MaxAbsDiff(mtp, want_mtp);
    EXPECT_LE(mtp_err, kTolerance) << GetParam() << ": MTP logits max abs error " << mtp_err;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Golden, ::testing::ValuesIn(Cases()), [](const auto& info) { return info.param; });

TEST(GoldenFixtures, Present) { EXPECT_GE(Cases().size(), 5u) << "tests/fixtures/model/ is missing cases"; }

}  // namespace
}  // namespace minke
