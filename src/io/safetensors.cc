#include "io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/json_depth.h"

namespace minke::io {
namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // as the reference implementation

uint64_t ReadU64LE(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

bool AsU64(const json& j, uint64_t* out) {
  if (j.is_number_unsigned()) {
    *out = j.get<uint64_t>();
    return true;
  }
  if (j.is_number_integer() && j.get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(j.get<int64_t>());
    return true;
  }
  return false;
}

Status ParseEntry(const std::string& name, const json& e, const uint8_t* base, uint64_t data_size, TensorView* view,
                  std::pair<uint64_t, uint64_t>* range) {
  auto err = [&](const std::string& msg) { return Status::Error("tensor '" + name + "': " + msg); };
  if (!e.is_object()) return err("entry is not a JSON object");
  for (const auto& [key, _] : e.items())
    if (key != "dtype" && key != "shape" && key != "data_offsets") return err("unknown field '" + key + "'");
  auto dt = e.find("dtype"), sh = e.find("shape"), off = e.find("data_offsets");
  if (dt == e.end() || sh == e.end() || off == e.end()) return err("needs dtype, shape and data_offsets");
  if (!dt->is_string()) return err("dtype is not a string");
  auto dtype = DTypeFromName(dt->get<std::string>());
  if (!dtype) return err("unknown dtype '" + dt->get<std::string>() + "'");
  if (!sh->is_array()) return err("shape is not an array");
  uint64_t numel = 1;
  std::vector<int64_t> shape;
  for (const auto& d : *sh) {
    uint64_t v;
    if (!AsU64(d, &v) || v > (uint64_t{1} << 62))
      return err("shape " + sh->dump() + " has a dimension that is not a non-negative integer: " + d.dump());
    if (__builtin_mul_overflow(numel, v, &numel) || numel > (uint64_t{1} << 62))
      return err("shape " + sh->dump() + " overflows");
    shape.push_back(static_cast<int64_t>(v));
  }
  uint64_t begin, end;
  if (!off->is_array() || off->size() != 2 || !AsU64((*off)[0], &begin) || !AsU64((*off)[1], &end))
    return err("data_offsets must be [begin, end] with non-negative integers");
  if (begin > end) return err("data_offsets begin " + std::to_string(begin) + " > end " + std::to_string(end));
  if (end > data_size)
    return err("data_offsets end " + std::to_string(end) + " beyond data size " + std::to_string(data_size));
  uint64_t want;
  if (__builtin_mul_overflow(numel, DTypeSize(*dtype), &want))
    return err("shape " + sh->dump() + " x dtype " + std::string(DTypeName(*dtype)) + " overflows");
  if (end - begin != want)
    return err("holds " + std::to_string(end - begin) + " bytes but dtype " + std::string(DTypeName(*dtype)) +
               " x shape " + ShapeToString(shape) + " needs " + std::to_string(want));
  view->dtype = *dtype;
  view->shape = std::move(shape);
  view->data = base + begin;
  *range = {begin, end};
  return Status::Ok();
}

}  // namespace

Result<SafetensorsContents> ParseSafetensors(const uint8_t* data, size_t size, const std::string& what) {
  auto err = [&](const std::string& msg) { return Status::Error(what + ": " + msg); };
  if (size < 8) return err("file is " + std::to_string(size) + " bytes, too short for a safetensors header");
  uint64_t n = ReadU64LE(data);
  if (n > kMaxHeaderBytes) return err("header length " + std::to_string(n) + " exceeds the 100 MiB limit");
  if (n > size - 8)
    return err("header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(size) +
               " bytes)");
  const char* hdr = reinterpret_cast<const char*>(data + 8);
  if (n == 0 || hdr[0] != '{') return err("header does not start with '{'");
  if (!JsonDepthWithin(std::string_view(hdr, n), kMaxJsonDepth))
    return err("header nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  json j = json::parse(hdr, hdr + n, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return err("header is not valid JSON");
  if (!j.is_object()) return err("header is not a JSON object");

  SafetensorsContents out;
  const uint8_t* base = data + 8 + n;
  uint64_t data_size = size - 8 - n;
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, std::string>> ranges;
  for (const auto& [name, entry] : j.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) return err("__metadata__ is not a JSON object");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) return err("__metadata__ value for '" + k + "' is not a string");
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    TensorView view;
    std::pair<uint64_t, uint64_t> range;
    Status s = ParseEntry(name, entry, base, data_size, &view, &range);
    if (!s.ok()) return s.WithContext(what);
    out.tensors.emplace(name, std::move(view));
    ranges.push_back({range, name});
  }
  // Sorted by begin, a non-empty range overlaps an earlier one iff it begins
  // before the furthest end so far (empty ranges hold no bytes: skipped).
  std::sort(ranges.begin(), ranges.end());
  const std::pair<std::pair<uint64_t, uint64_t>, std::string>* furthest = nullptr;
  for (const auto& r : ranges) {
    if (r.first.first == r.first.second) continue;
    if (furthest != nullptr && r.first.first < furthest->first.second)
      return err("tensors '" + furthest->second + "' and '" + r.second + "' overlap in the data area");
    if (furthest == nullptr || r.first.second > furthest->first.second) furthest = &r;
  }
  return out;
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  MINKE_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  MINKE_ASSIGN_OR_RETURN(auto contents, ParseSafetensors(file->data(), file->size(), path));
  auto st = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  st->file_ = std::move(file);
  st->contents_ = std::move(contents);
  return st;
}

Status WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    if (t.name == "__metadata__" || header.contains(t.name))
      return Status::Error(path + ": duplicate or reserved tensor name '" + t.name + "'");
    TensorView v{t.dtype, t.shape, t.data};
    uint64_t nbytes = v.nbytes();
    header[t.name] = {
        {"dtype", std::string(DTypeName(t.dtype))}, {"shape", t.shape}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string hdr = header.dump();
  hdr.append((8 - hdr.size() % 8) % 8, ' ');  // align the data area to 8 bytes, as HF does
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(static_cast<uint64_t>(hdr.size()) >> (8 * i));

  AtomicFile f(path);
  MINKE_RETURN_IF_ERROR(f.Open());
  MINKE_RETURN_IF_ERROR(f.Append(len, 8));
  MINKE_RETURN_IF_ERROR(f.Append(hdr.data(), hdr.size()));
  for (const auto& t : tensors) {
    TensorView v{t.dtype, t.shape, t.data};
    MINKE_RETURN_IF_ERROR(f.Append(t.data, v.nbytes()));
  }
  return f.Commit();
}

}  // namespace minke::io
