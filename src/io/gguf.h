// GGUF v3: the single-file model format of llama.cpp / ggml.
//
// Layout of a file (all integers little-endian):
//   u32 magic "GGUF"   u32 version (3)   u64 n_tensors   u64 n_kv
//   n_kv x  { str key; u32 value_type; value }
//   n_tensors x { str name; u32 n_dims; u64 ne[n_dims]; u32 ggml_type; u64 offset }
//   zero padding to `general.alignment` (u32 KV, default 32)
//   tensor data: each tensor at data_start + offset (offset % alignment == 0)
// str = u64 length + UTF-8 bytes (no terminator). Value types:
//   0 u8  1 i8  2 u16  3 i16  4 u32  5 i32  6 f32  7 bool  8 str
//   9 array { u32 elem_type; u64 n; n values }  10 u64  11 i64  12 f64
// ne[0] is the fastest-varying dimension (a row), so a row-major [rows, cols]
// matrix has ne = {cols, rows}. Block types (Q8_0, ...) pack ne[0] in blocks.
//
// ParseGguf() trusts nothing: every read is bounded by the end of the buffer,
// counts and lengths are checked against the bytes left before allocating,
// keys and tensor names are unique, types known, ne[0] a multiple of the
// block size, sizes free of overflow, offsets aligned, every tensor inside
// the data area and no two overlapping. Errors name the field and its offset.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/status.h"

namespace minke::io {

enum class GgufType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

// One metadata value. Integers keep their exact value in `u` (unsigned
// types) or `i` (signed and bool); floats in `f`; arrays in `array` with
// `elem_type`, every element a scalar or string of that type.
struct GgufValue {
  GgufType type = GgufType::kU8;
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
  std::string str;
  GgufType elem_type = GgufType::kU8;
  std::vector<GgufValue> array;

  static GgufValue U32(uint32_t v);
  static GgufValue I32(int32_t v);
  static GgufValue U64(uint64_t v);
  static GgufValue F32(float v);
  static GgufValue Bool(bool v);
  static GgufValue Str(std::string v);
  static GgufValue Array(GgufType elem, std::vector<GgufValue> items);
};

// ggml tensor types minke knows the block geometry of (enough to size and
// skip any tensor of a llama.cpp file; minke computes on F32, F16, BF16,
// Q8_0 and Q4_0).
enum class GgmlType : uint32_t { kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ8_0 = 8, kBF16 = 30 };
// Block size and bytes per block of ggml type id `t`; false if unknown.
bool GgmlTypeGeometry(uint32_t t, int64_t* block, size_t* block_bytes);
std::string GgmlTypeName(uint32_t t);

struct GgufTensor {
  std::string name;
  uint32_t type = 0;        // ggml type id
  std::vector<int64_t> ne;  // ggml order: ne[0] = row length
  uint64_t offset = 0;      // relative to the data area
  size_t nbytes = 0;
  const uint8_t* data = nullptr;
};

struct GgufContents {
  uint32_t version = 3;
  uint32_t alignment = 32;
  std::vector<std::pair<std::string, GgufValue>> kv;  // file order
  std::vector<GgufTensor> tensors;                    // file order
  const GgufValue* Find(const std::string& key) const;
  const GgufTensor* FindTensor(const std::string& name) const;
};

// Parses a whole GGUF image held in memory; tensor data pointers point into
// it. `what` names it in errors. Version 3 only (2 has the same layout and is
// accepted; 1 used u32 counts and is rejected).
Result<GgufContents> ParseGguf(const uint8_t* data, size_t size, const std::string& what);

// A GGUF file opened by mmap; the tensor data lives as long as this object.
class GgufFile {
 public:
  static Result<std::unique_ptr<GgufFile>> Open(const std::string& path);
  const GgufContents& contents() const { return contents_; }
  const std::string& path() const { return file_->path(); }

 private:
  std::unique_ptr<MappedFile> file_;
  GgufContents contents_;
};

struct GgufTensorToWrite {
  std::string name;
  uint32_t type;            // ggml type id
  std::vector<int64_t> ne;  // ggml order
  const void* data;         // the tensor's bytes (GgmlTypeGeometry size)
};

// Writes a GGUF v3 file atomically, byte for byte as gguf-py's GGUFWriter
// lays it out: KV pairs in order, tensor infos with offsets packed at
// `alignment`, zero padding after the infos and after every tensor.
Status WriteGguf(const std::string& path, const std::vector<std::pair<std::string, GgufValue>>& kv,
                 const std::vector<GgufTensorToWrite>& tensors, uint32_t alignment = 32);

}  // namespace minke::io
