// TensorView: a typed, shaped, non-owning view of stored tensor bytes
// (usually inside a memory-mapped checkpoint). Valid as long as the storage
// it points into. Row-major; shape[0] is the slowest dimension.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace minke {

struct TensorView {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  size_t nbytes() const { return DTypeBytes(dtype, numel()); }
};

// "[4, 128]" — for error messages.
std::string ShapeToString(const std::vector<int64_t>& shape);

}  // namespace minke
