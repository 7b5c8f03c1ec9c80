#!/usr/bin/env bash
# The test suite, as CI runs it: build, unit + golden tests, the model and
# file-format tests again under ASan+UBSan, a short fuzz smoke run of the
# parsers, and the formatting check.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
JOBS=${JOBS:-$(nproc)}
# Tests run side by side (ctest -j) on few cores: libgomp's default spin-wait
# then starves the other processes and tiny models run 20x slower.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

echo "== tests (release)"
(cd build && ctest --output-on-failure -j "$JOBS")

echo "== tests under ASan+UBSan (the whole suite)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINKE_SANITIZE=ON >/dev/null
ninja -C build-asan -j "$JOBS" minke_tests minke
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ./build-asan/minke_tests --gtest_brief=1

echo "== fuzz smoke (libFuzzer, clang)"
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINKE_FUZZ=ON -DMINKE_TESTS=OFF >/dev/null
ninja -C build-fuzz -j "$JOBS" fuzz_safetensors fuzz_config fuzz_tokenizer fuzz_gguf fuzz_request
mkdir -p build-fuzz/corpus-st build-fuzz/corpus-cfg build-fuzz/corpus-tok build-fuzz/corpus-gguf build-fuzz/corpus-req
./build-fuzz/fuzz_safetensors -max_total_time=20 -max_len=4096 build-fuzz/corpus-st fuzz/corpus/safetensors 2>&1 | tail -1
./build-fuzz/fuzz_config -max_total_time=10 -max_len=4096 build-fuzz/corpus-cfg fuzz/corpus/config 2>&1 | tail -1
./build-fuzz/fuzz_gguf -max_total_time=20 -max_len=4096 build-fuzz/corpus-gguf fuzz/corpus/gguf 2>&1 | tail -1
./build-fuzz/fuzz_tokenizer -max_total_time=20 -max_len=4096 build-fuzz/corpus-tok fuzz/corpus/tokenizer 2>&1 | tail -1
./build-fuzz/fuzz_request -max_total_time=10 -max_len=4096 build-fuzz/corpus-req fuzz/corpus/request 2>&1 | tail -1

echo "== clang-format"
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror
echo "all checks passed"
