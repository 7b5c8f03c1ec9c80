// SHA-256 against the FIPS 180-2 appendix vectors, across every way of
// cutting the input into Update() calls, and against Python's hashlib.
#include "core/sha256.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace minke {
namespace {

TEST(Sha256, Fips180Vectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, ChunkingDoesNotMatter) {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  // Lengths around the 55/56/64-byte padding boundaries, fed in every split.
  for (size_t len : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 300}) {
    const std::string whole = Sha256Hex(std::string_view(data).substr(0, len));
    for (size_t cut = 0; cut <= len; cut += 7) {
      Sha256 h;
      h.Update(data.data(), cut);
      h.Update(data.data() + cut, len - cut);
      EXPECT_EQ(h.FinalHex(), whole) << "len " << len << " cut " << cut;
    }
  }
}

TEST(Sha256, FileMatchesPythonHashlib) {
  if (std::system("python3 -c 'import hashlib' >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not available";
  const std::string dir = std::filesystem::temp_directory_path().string() + "/minke_sha_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/data.bin", out = dir + "/py.txt";
  {
    std::ofstream f(path, std::ios::binary);
    uint64_t s = 88172645463325252ULL;
    for (int i = 0; i < 3 * 1048576 + 17; ++i) {  // crosses Sha256File's 1 MiB reads
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      f.put(static_cast<char>(s));
    }
  }
  const std::string cmd =
      "python3 -c \"import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read())"
      ".hexdigest())\" '" +
      path + "' > '" + out + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::string want;
  std::ifstream(out) >> want;
  auto got = Sha256File(path);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, want);
  EXPECT_EQ(want.size(), 64u);
  std::filesystem::remove_all(dir);
  auto missing = Sha256File(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("data.bin: cannot open"), std::string::npos);
}

}  // namespace
}  // namespace minke
