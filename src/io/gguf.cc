#include "io/gguf.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "core/atomic_file.h"

namespace minke::io {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr int kMaxDims = 4;              // GGML_MAX_DIMS

struct TypeInfo {
  uint32_t id;
  const char* name;
  int64_t block;
  size_t bytes;
};

// ggml's type table (ggml.c type_traits; gguf-py GGML_QUANT_SIZES).
constexpr TypeInfo kTypes[] = {
    {0, "F32", 1, 4},         {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},      {3, "Q4_1", 32, 20},
    {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},      {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 40},
    {10, "Q2_K", 256, 84},    {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66}, {17, "IQ2_XS", 256, 74},
    {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},   {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},
    {22, "IQ2_S", 256, 82},   {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},         {25, "I16", 1, 2},
    {26, "I32", 1, 4},        {27, "I64", 1, 8},        {28, "F64", 1, 8},        {29, "IQ1_M", 256, 56},
    {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},   {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},
};

// Bytes of one scalar value type; 0 for string/array.
size_t ScalarSize(GgufType t) {
  switch (t) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kBool:
      return 1;
    case GgufType::kU16:
    case GgufType::kI16:
      return 2;
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kF32:
      return 4;
    case GgufType::kU64:
    case GgufType::kI64:
    case GgufType::kF64:
      return 8;
    default:
      return 0;
  }
}

// A bounded little-endian cursor over [p, end); errors say what was being
// read and at which file offset.
class Reader {
 public:
  Reader(const uint8_t* begin, size_t size) : begin_(begin), p_(begin), end_(begin + size) {}
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
  size_t left() const { return static_cast<size_t>(end_ - p_); }

  Status Bytes(size_t n, const std::string& field, const uint8_t** out) {
    if (n > left())
      return Status::Error(field + " at offset " + std::to_string(offset()) + ": needs " + std::to_string(n) +
                           " bytes, only " + std::to_string(left()) + " left (truncated file?)");
    *out = p_;
    p_ += n;
    return Status::Ok();
  }
  template <typename T>
  Status Get(const std::string& field, T* v) {
    const uint8_t* b;
    MINKE_RETURN_IF_ERROR(Bytes(sizeof(T), field, &b));
    std::memcpy(v, b, sizeof(T));  // x86 is little-endian, as GGUF
    return Status::Ok();
  }
  Status String(const std::string& field, std::string* s) {
    uint64_t n = 0;
    const size_t at = offset();
    MINKE_RETURN_IF_ERROR(Get(field + " length", &n));
    if (n > left())
      return Status::Error(field + " at offset " + std::to_string(at) + ": string length " + std::to_string(n) +
                           " runs past the end of the file");
    const uint8_t* b;
    MINKE_RETURN_IF_ERROR(Bytes(static_cast<size_t>(n), field, &b));
    s->assign(reinterpret_cast<const char*>(b), static_cast<size_t>(n));
    return Status::Ok();
  }

 private:
  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
};

Status ReadScalar(Reader& r, GgufType t, const std::string& field, GgufValue* v) {
  v->type = t;
  switch (t) {
    case GgufType::kU8: {
      uint8_t x = 0;
      MINKE_RETURN_IF_ERROR(r.Get(field, &x));
      v->u = x;
      return Status::Ok();
    }
    case GgufType::kI8: {
      int8_t x = 0;
      MINKE_RETURN_IF_ERROR(r.Get(field, &x));
      v->i = x;
      return Status::Ok();
    }
    case GgufType::kU16: {
      uint16_t x = 0;
      MINKE_RETURN_IF_ERROR(r.Get(field, &x));
      v->u = x;
      return Status::Ok();
    }
    case GgufType::kI16: {
      int16_t x = 0;
      MINKE_RETURN_IF_ERROR(r.Get(field, &x));
      v->i = x;
      return Status::Ok();
    }
    case GgufType::kU32: {
      uint32_t x = 0;
      MINKE_RETURN_IF_ERROR(r.Get(field, &x));
      v->u = x;
      return Status::Ok();
    }
    case GgufType::kI32: {
      int32_t x = 0;
      MINKE_RETURN_IF_ERROR(r.Get(field, &x));
      v->i = x;
      return Status::Ok();
    }
    case GgufType::kU64:
      return r.Get(field, &v->u);
    case GgufType::kI64:
      return r.Get(field, &v->i);
    case GgufType::kF32: {
      float x = 0;
      MINKE_RETURN_IF_ERROR(r.Get(field, &x));
      v->f = x;
      return Status::Ok();
    }
    case GgufType::kF64:
      return r.Get(field, &v->f);
    case GgufType::kBool: {
      const size_t at = r.offset();
      uint8_t x = 0;
      MINKE_RETURN_IF_ERROR(r.Get(field, &x));
      if (x > 1)
        return Status::Error(field + " at offset " + std::to_string(at) + ": bool value " + std::to_string(x) +
                             " is not 0 or 1");
      v->i = x;
      return Status::Ok();
    }
    case GgufType::kString:
      return r.String(field, &v->str);
    default:
      return Status::Error(field + ": not a scalar type");
  }
}

Status ReadValue(Reader& r, const std::string& field, GgufValue* v) {
  uint32_t t = 0;
  const size_t at = r.offset();
  MINKE_RETURN_IF_ERROR(r.Get(field + " type", &t));
  if (t > static_cast<uint32_t>(GgufType::kF64))
    return Status::Error(field + " at offset " + std::to_string(at) + ": unknown value type " + std::to_string(t));
  if (static_cast<GgufType>(t) != GgufType::kArray) return ReadScalar(r, static_cast<GgufType>(t), field, v);
  v->type = GgufType::kArray;
  uint32_t et = 0;
  uint64_t n = 0;
  const size_t et_at = r.offset();
  MINKE_RETURN_IF_ERROR(r.Get(field + " array element type", &et));
  if (et > static_cast<uint32_t>(GgufType::kF64) || et == static_cast<uint32_t>(GgufType::kArray))
    return Status::Error(field + " at offset " + std::to_string(et_at) + ": array element type " + std::to_string(et) +
                         " is unknown or a nested array");
  v->elem_type = static_cast<GgufType>(et);
  MINKE_RETURN_IF_ERROR(r.Get(field + " array length", &n));
  // Every element takes at least one byte (a string at least 8): a count
  // larger than the bytes left is corrupt, and is caught before allocating.
  const size_t min_elem = v->elem_type == GgufType::kString ? 8 : ScalarSize(v->elem_type);
  if (n > r.left() / min_elem)
    return Status::Error(field + " at offset " + std::to_string(et_at + 4) + ": array of " + std::to_string(n) +
                         " elements cannot fit in the " + std::to_string(r.left()) + " bytes left");
  v->array.resize(static_cast<size_t>(n));
  for (uint64_t k = 0; k < n; ++k)
    MINKE_RETURN_IF_ERROR(ReadScalar(r, v->elem_type, field + "[" + std::to_string(k) + "]", &v->array[k]));
  return Status::Ok();
}

Status ReadTensorInfo(Reader& r, size_t index, GgufTensor* t) {
  const std::string field = "tensor info " + std::to_string(index);
  MINKE_RETURN_IF_ERROR(r.String(field + " name", &t->name));
  const std::string tf = "tensor '" + t->name + "'";
  uint32_t n_dims = 0;
  const size_t dims_at = r.offset();
  MINKE_RETURN_IF_ERROR(r.Get(tf + " n_dims", &n_dims));
  if (n_dims == 0 || n_dims > kMaxDims)
    return Status::Error(tf + " at offset " + std::to_string(dims_at) + ": n_dims " + std::to_string(n_dims) +
                         " not in [1, 4]");
  uint64_t numel = 1;
  for (uint32_t d = 0; d < n_dims; ++d) {
    uint64_t ne = 0;
    const size_t at = r.offset();
    MINKE_RETURN_IF_ERROR(r.Get(tf + " ne[" + std::to_string(d) + "]", &ne));
    if (ne > (uint64_t{1} << 62) || __builtin_mul_overflow(numel, ne, &numel) || numel > (uint64_t{1} << 62))
      return Status::Error(tf + " at offset " + std::to_string(at) + ": dimension ne[" + std::to_string(d) +
                           "] = " + std::to_string(ne) + " overflows");
    t->ne.push_back(static_cast<int64_t>(ne));
  }
  const size_t type_at = r.offset();
  MINKE_RETURN_IF_ERROR(r.Get(tf + " type", &t->type));
  int64_t block;
  size_t block_bytes;
  if (!GgmlTypeGeometry(t->type, &block, &block_bytes))
    return Status::Error(tf + " at offset " + std::to_string(type_at) + ": unknown ggml type " +
                         std::to_string(t->type));
  if (t->ne[0] % block != 0)
    return Status::Error(tf + ": row length ne[0] = " + std::to_string(t->ne[0]) + " is not a multiple of " +
                         GgmlTypeName(t->type) + "'s block size " + std::to_string(block));
  if (__builtin_mul_overflow(numel / block, block_bytes, &t->nbytes))
    return Status::Error(tf + ": byte size overflows");
  return r.Get(tf + " offset", &t->offset);
}

}  // namespace

GgufValue GgufValue::U32(uint32_t v) {
  GgufValue x;
  x.type = GgufType::kU32;
  x.u = v;
  return x;
}
GgufValue GgufValue::I32(int32_t v) {
  GgufValue x;
  x.type = GgufType::kI32;
  x.i = v;
  return x;
}
GgufValue GgufValue::U64(uint64_t v) {
  GgufValue x;
  x.type = GgufType::kU64;
  x.u = v;
  return x;
}
GgufValue GgufValue::F32(float v) {
  GgufValue x;
  x.type = GgufType::kF32;
  x.f = v;
  return x;
}
GgufValue GgufValue::Bool(bool v) {
  GgufValue x;
  x.type = GgufType::kBool;
  x.i = v;
  return x;
}
GgufValue GgufValue::Str(std::string v) {
  GgufValue x;
  x.type = GgufType::kString;
  x.str = std::move(v);
  return x;
}
GgufValue GgufValue::Array(GgufType elem, std::vector<GgufValue> items) {
  GgufValue x;
  x.type = GgufType::kArray;
  x.elem_type = elem;
  x.array = std::move(items);
  return x;
}

bool GgmlTypeGeometry(uint32_t t, int64_t* block, size_t* block_bytes) {
  for (const TypeInfo& e : kTypes)
    if (e.id == t) {
      *block = e.block;
      *block_bytes = e.bytes;
      return true;
    }
  return false;
}

std::string GgmlTypeName(uint32_t t) {
  for (const TypeInfo& e : kTypes)
    if (e.id == t) return e.name;
  return "type " + std::to_string(t);
}

const GgufValue* GgufContents::Find(const std::string& key) const {
  for (const auto& [k, v] : kv)
    if (k == key) return &v;
  return nullptr;
}

const GgufTensor* GgufContents::FindTensor(const std::string& name) const {
  for (const GgufTensor& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

Result<GgufContents> ParseGguf(const uint8_t* data, size_t size, const std::string& what) {
  auto err = [&](const std::string& msg) { return Status::Error(what + ": " + msg); };
  Reader r(data, size);
  uint32_t magic = 0;
  GgufContents out;
  uint64_t n_tensors = 0, n_kv = 0;
  Status s = r.Get("magic", &magic);
  if (s.ok() && magic != kMagic) return err("not a GGUF file (bad magic at offset 0)");
  if (s.ok()) s = r.Get("version", &out.version);
  if (s.ok() && out.version != 3 && out.version != 2)
    return err("GGUF version " + std::to_string(out.version) + " at offset 4 is not supported (expected 3)");
  if (s.ok()) s = r.Get("tensor count", &n_tensors);
  if (s.ok()) s = r.Get("metadata KV count", &n_kv);
  if (!s.ok()) return s.WithContext(what);
  // A KV pair takes at least 8 + 4 + 1 bytes, a tensor info 8 + 4 + 8 + 4 + 8.
  if (n_kv > r.left() / 13) return err("metadata KV count " + std::to_string(n_kv) + " at offset 16 cannot fit");
  if (n_tensors > r.left() / 32) return err("tensor count " + std::to_string(n_tensors) + " at offset 8 cannot fit");

  std::set<std::string> keys;
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key;
    const size_t at = r.offset();
    s = r.String("metadata KV " + std::to_string(k) + " key", &key);
    if (!s.ok()) return s.WithContext(what);
    if (!keys.insert(key).second) return err("duplicate metadata key '" + key + "' at offset " + std::to_string(at));
    GgufValue v;
    s = ReadValue(r, "metadata '" + key + "'", &v);
    if (!s.ok()) return s.WithContext(what);
    out.kv.emplace_back(std::move(key), std::move(v));
  }
  if (const GgufValue* a = out.Find("general.alignment")) {
    if (a->type != GgufType::kU32 || a->u == 0 || (a->u & (a->u - 1)) != 0)
      return err("general.alignment must be a u32 power of two");
    out.alignment = static_cast<uint32_t>(a->u);
  }

  std::set<std::string> names;
  for (uint64_t k = 0; k < n_tensors; ++k) {
    GgufTensor t;
    s = ReadTensorInfo(r, static_cast<size_t>(k), &t);
    if (!s.ok()) return s.WithContext(what);
    if (!names.insert(t.name).second) return err("duplicate tensor name '" + t.name + "'");
    out.tensors.push_back(std::move(t));
  }
  const size_t data_start = (r.offset() + out.alignment - 1) / out.alignment * out.alignment;
  if (data_start > size && n_tensors > 0)
    return err("data area at offset " + std::to_string(data_start) + " starts past the end of the file (" +
               std::to_string(size) + " bytes)");
  const uint64_t data_size = data_start <= size ? size - data_start : 0;
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, std::string>> ranges;
  for (GgufTensor& t : out.tensors) {
    if (t.offset % out.alignment != 0)
      return err("tensor '" + t.name + "': data offset " + std::to_string(t.offset) + " is not a multiple of the " +
                 std::to_string(out.alignment) + "-byte alignment");
    // Like ggml, each tensor owns its bytes padded to the alignment, so a
    // file cut inside the last tensor's padding is truncated too.
    const uint64_t padded = (t.nbytes + out.alignment - 1) / out.alignment * out.alignment;
    if (t.offset > data_size || padded > data_size - t.offset)
      return err("tensor '" + t.name + "': data [" + std::to_string(t.offset) + ", +" + std::to_string(padded) +
                 ") runs past the end of the data area (" + std::to_string(data_size) + " bytes; truncated file?)");
    t.data = data + data_start + t.offset;
    ranges.push_back({{t.offset, t.offset + t.nbytes}, t.name});
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t k = 1; k < ranges.size(); ++k)
    if (ranges[k].first.first < ranges[k - 1].first.second && ranges[k].first.first != ranges[k].first.second)
      return err("tensors '" + ranges[k - 1].second + "' and '" + ranges[k].second + "' overlap in the data area");
  return out;
}

Result<std::unique_ptr<GgufFile>> GgufFile::Open(const std::string& path) {
  MINKE_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  MINKE_ASSIGN_OR_RETURN(auto contents, ParseGguf(file->data(), file->size(), path));
  auto g = std::unique_ptr<GgufFile>(new GgufFile());
  g->file_ = std::move(file);
  g->contents_ = std::move(contents);
  return g;
}

namespace {

class ByteWriter {
 public:
  std::vector<uint8_t> buf;
  template <typename T>
  void Put(T v) {
    const auto* b = reinterpret_cast<const uint8_t*>(&v);
    buf.insert(buf.end(), b, b + sizeof(T));
  }
  void Str(const std::string& s) {
    Put<uint64_t>(s.size());
    buf.insert(buf.end(), s.begin(), s.end());
  }
  Status Scalar(GgufType t, const GgufValue& v) {
    switch (t) {
      case GgufType::kU8:
        return Put<uint8_t>(static_cast<uint8_t>(v.u)), Status::Ok();
      case GgufType::kI8:
        return Put<int8_t>(static_cast<int8_t>(v.i)), Status::Ok();
      case GgufType::kU16:
        return Put<uint16_t>(static_cast<uint16_t>(v.u)), Status::Ok();
      case GgufType::kI16:
        return Put<int16_t>(static_cast<int16_t>(v.i)), Status::Ok();
      case GgufType::kU32:
        return Put<uint32_t>(static_cast<uint32_t>(v.u)), Status::Ok();
      case GgufType::kI32:
        return Put<int32_t>(static_cast<int32_t>(v.i)), Status::Ok();
      case GgufType::kF32:
        return Put<float>(static_cast<float>(v.f)), Status::Ok();
      case GgufType::kBool:
        return Put<uint8_t>(v.i != 0), Status::Ok();
      case GgufType::kString:
        return Str(v.str), Status::Ok();
      case GgufType::kU64:
        return Put<uint64_t>(v.u), Status::Ok();
      case GgufType::kI64:
        return Put<int64_t>(v.i), Status::Ok();
      case GgufType::kF64:
        return Put<double>(v.f), Status::Ok();
      default:
        return Status::Error("nested arrays are not supported");
    }
  }
};

}  // namespace

Status WriteGguf(const std::string& path, const std::vector<std::pair<std::string, GgufValue>>& kv,
                 const std::vector<GgufTensorToWrite>& tensors, uint32_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    return Status::Error(path + ": alignment " + std::to_string(alignment) + " is not a power of two");
  ByteWriter w;
  w.Put<uint32_t>(kMagic);
  w.Put<uint32_t>(3);
  w.Put<uint64_t>(tensors.size());
  w.Put<uint64_t>(kv.size());
  std::set<std::string> keys;
  for (const auto& [key, v] : kv) {
    if (!keys.insert(key).second) return Status::Error(path + ": duplicate metadata key '" + key + "'");
    w.Str(key);
    w.Put<uint32_t>(static_cast<uint32_t>(v.type));
    if (v.type == GgufType::kArray) {
      w.Put<uint32_t>(static_cast<uint32_t>(v.elem_type));
      w.Put<uint64_t>(v.array.size());
      for (const GgufValue& e : v.array) MINKE_RETURN_IF_ERROR(w.Scalar(v.elem_type, e).WithContext(path + ": " + key));
    } else {
      MINKE_RETURN_IF_ERROR(w.Scalar(v.type, v).WithContext(path + ": " + key));
    }
  }
  auto pad = [&](uint64_t n) { return (n + alignment - 1) / alignment * alignment; };
  std::vector<size_t> sizes;
  uint64_t offset = 0;
  std::set<std::string> names;
  for (const GgufTensorToWrite& t : tensors) {
    int64_t block;
    size_t block_bytes;
    if (!GgmlTypeGeometry(t.type, &block, &block_bytes))
      return Status::Error(path + ": tensor '" + t.name + "': unknown ggml type " + std::to_string(t.type));
    if (!names.insert(t.name).second) return Status::Error(path + ": duplicate tensor name '" + t.name + "'");
    if (t.ne.empty() || t.ne.size() > kMaxDims || t.ne[0] % block != 0)
      return Status::Error(path + ": tensor '" + t.name + "': bad dims for " + GgmlTypeName(t.type));
    int64_t numel = 1;
    for (int64_t d : t.ne) numel *= d;
    sizes.push_back(static_cast<size_t>(numel / block) * block_bytes);
    w.Str(t.name);
    w.Put<uint32_t>(static_cast<uint32_t>(t.ne.size()));
    for (int64_t d : t.ne) w.Put<uint64_t>(static_cast<uint64_t>(d));
    w.Put<uint32_t>(t.type);
    w.Put<uint64_t>(offset);
    offset += pad(sizes.back());
  }
  w.buf.resize(pad(w.buf.size()), 0);
  AtomicFile f(path);
  MINKE_RETURN_IF_ERROR(f.Open());
  MINKE_RETURN_IF_ERROR(f.Append(w.buf.data(), w.buf.size()));
  const std::vector<uint8_t> zeros(alignment, 0);
  for (size_t k = 0; k < tensors.size(); ++k) {
    MINKE_RETURN_IF_ERROR(f.Append(tensors[k].data, sizes[k]));
    MINKE_RETURN_IF_ERROR(f.Append(zeros.data(), pad(sizes[k]) - sizes[k]));
  }
  return f.Commit();
}

}  // namespace minke::io
