// Software prefetch for the decode GEMVs (matmul_direct, quant). They read R
// weight rows side by side, and the hardware streamer stops at every 4 KiB
// page: without prefetching, the first users of the weight loads were the
// hottest instructions in the profile. Measured with bench_gemv (2 threads,
// K = 1024 rows in calls of 256, as the experts) and decode of the issue's
// bench model: none -> 1024 bytes took Q8_0 decode from 119 to ~205 tok/s
// and F16 from 83 to ~120; 256, 512, 1536 and 2048 bytes were no better.
#pragma once

#include <cstddef>

namespace minke::kernels {

constexpr size_t kPrefetchBytes = 1024;

// kPrefetchBytes past byte `off` of a row in a group of R rows (row stride
// row_bytes); past the row's end, the same place in row r of the next group,
// which the thread reads next.
inline const char* PrefetchAhead(const char* row, size_t off, size_t row_bytes, int R) {
  const size_t ahead = off + kPrefetchBytes;
  return ahead < row_bytes ? row + ahead : row + ahead + (R - 1) * row_bytes;
}

}  // namespace minke::kernels
