// Safetensors: the weight format of Hugging Face checkpoints.
//
// Layout of a file:
//   [0, 8)        u64 little-endian N: length of the JSON header
//   [8, 8+N)      UTF-8 JSON object:
//                   {"<name>": {"dtype": "BF16", "shape": [r, c],
//                               "data_offsets": [begin, end]}, ...,
//                    "__metadata__": {"<key>": "<string>", ...}}   (optional)
//   [8+N, EOF)    tensor bytes; offsets are relative to 8+N, row-major,
//                 little-endian.
// Parse() trusts nothing: header inside the file, a JSON object, known
// dtypes, non-negative dims, end - begin == numel * dtype size (without
// overflow), every range inside the data area, no two ranges overlapping.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/status.h"
#include "core/tensor.h"

namespace minke::io {

// The tensors and metadata of one safetensors image. Views point into the
// bytes that were parsed (the mmap for files opened with Open()).
struct SafetensorsContents {
  std::map<std::string, TensorView> tensors;
  std::map<std::string, std::string> metadata;
};

// Parses a whole safetensors image held in memory. `what` names it in errors.
Result<SafetensorsContents> ParseSafetensors(const uint8_t* data, size_t size, const std::string& what);

// A safetensors file opened by mmap; the views live as long as this object.
class SafetensorsFile {
 public:
  static Result<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  const SafetensorsContents& contents() const { return contents_; }
  const std::string& path() const { return file_->path(); }

 private:
  std::unique_ptr<MappedFile> file_;
  SafetensorsContents contents_;
};

struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const void* data;  // numel * DTypeSize(dtype) bytes
};

// Writes tensors (in the given order) and string metadata to `path`
// atomically (temp file, fsync, rename).
Status WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata = {});

}  // namespace minke::io
