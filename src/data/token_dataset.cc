#include "data/token_dataset.h"

#include <cstring>

#include "core/sha256.h"
#include "data/hash.h"

namespace minke::data {
namespace {

Status CheckShape(int batch_size, int seq_len) {
  if (batch_size < 1) return Status::Error("batch size must be at least 1, got " + std::to_string(batch_size));
  if (seq_len < 1) return Status::Error("sequence length must be at least 1, got " + std::to_string(seq_len));
  return Status::Ok();
}

}  // namespace

Result<TokenDataset> TokenDataset::Open(const std::string& dir, uint64_t seed) {
  TokenDataset ds;
  ds.dir_ = dir;
  ds.seed_ = seed;
  const std::string meta_path = dir + "/meta.json";
  MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(meta_path));
  MINKE_ASSIGN_OR_RETURN(ds.meta_, ParseTokenShardMeta(text, meta_path));
  for (Split s : {Split::kTrain, Split::kVal}) {
    const TokenSplitInfo& info = ds.meta_.split(s);
    const std::string path = dir + "/" + info.file;
    MINKE_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> f, MappedFile::Open(path));
    const uint64_t want = info.tokens * static_cast<uint64_t>(ds.meta_.token_bytes);
    if (info.tokens > (uint64_t{1} << 60) || f->size() != want)
      return Status::Error(path + ": " + std::to_string(f->size()) + " bytes, but meta.json says " +
                           std::to_string(info.tokens) + " tokens x " + std::to_string(ds.meta_.token_bytes) +
                           " bytes = " + std::to_string(want) + " (truncated or corrupt)");
    (s == Split::kTrain ? ds.train_ : ds.val_) = std::move(f);
  }
  return ds;
}

uint64_t TokenDataset::Offset(Split split, uint64_t step, int row, int seq_len) const {
  const uint64_t key[4] = {seed_, static_cast<uint64_t>(split), step, static_cast<uint64_t>(row)};
  const uint64_t h = Hash64(key, sizeof key, 0x6d696e6b65ULL);
  const uint64_t starts = num_tokens(split) - static_cast<uint64_t>(seq_len);  // offsets 0 .. n - T - 1
  // Lemire's multiply-shift: uniform over [0, starts) without a modulo's bias.
  return static_cast<uint64_t>((static_cast<__uint128_t>(h) * starts) >> 64);
}

Status TokenDataset::Copy(Split split, uint64_t offset, int count, int32_t* out) const {
  const uint8_t* p = file(split).data() + offset * meta_.token_bytes;
  for (int i = 0; i < count; ++i) {
    uint32_t id;
    if (meta_.token_bytes == 2) {
      id = static_cast<uint32_t>(p[2 * i]) | static_cast<uint32_t>(p[2 * i + 1]) << 8;
    } else {
      std::memcpy(&id, p + 4 * i, 4);  // little-endian host (x86-64, AArch64)
    }
    if (id >= meta_.vocab_size)
      return Status::Error(file(split).path() + ": token " + std::to_string(offset + i) + " is id " +
                           std::to_string(id) + ", not below vocab_size " + std::to_string(meta_.vocab_size) +
                           " (corrupt shard?)");
    out[i] = static_cast<int32_t>(id);
  }
  return Status::Ok();
}

Status TokenDataset::Batch(Split split, uint64_t step, int batch_size, int seq_len,
                           std::vector<int32_t>* tokens) const {
  MINKE_RETURN_IF_ERROR(CheckShape(batch_size, seq_len));
  const uint64_t n = num_tokens(split);
  if (n < static_cast<uint64_t>(seq_len) + 1)
    return Status::Error(dir_ + ": the " + std::string(SplitName(split)) + " split has " + std::to_string(n) +
                         " tokens, fewer than seq_len + 1 = " + std::to_string(seq_len + 1));
  const size_t row = static_cast<size_t>(seq_len) + 1;
  tokens->resize(static_cast<size_t>(batch_size) * row);
  for (int r = 0; r < batch_size; ++r)
    MINKE_RETURN_IF_ERROR(Copy(split, Offset(split, step, r, seq_len), seq_len + 1, tokens->data() + r * row));
  return Status::Ok();
}

uint64_t TokenDataset::NumWindows(Split split, int seq_len) const {
  const uint64_t n = num_tokens(split);
  return seq_len < 1 || n < 2 ? 0 : (n - 1) / static_cast<uint64_t>(seq_len);
}

Status TokenDataset::Window(Split split, uint64_t w, int seq_len, int32_t* out) const {
  if (w >= NumWindows(split, seq_len))
    return Status::Error(dir_ + ": window " + std::to_string(w) + " is past the " + std::string(SplitName(split)) +
                         " split's " + std::to_string(NumWindows(split, seq_len)) + " windows of " +
                         std::to_string(seq_len) + " tokens");
  return Copy(split, w * static_cast<uint64_t>(seq_len), seq_len + 1, out);
}

Status TokenDataset::VerifyChecksums() const {
  for (Split s : {Split::kTrain, Split::kVal}) {
    const MappedFile& f = file(s);
    Sha256 h;
    h.Update(f.data(), f.size());
    const std::string got = h.FinalHex(), want = meta_.split(s).sha256;
    if (got != want) return Status::Error(f.path() + ": sha256 " + got + ", meta.json says " + want);
  }
  return Status::Ok();
}

SequentialBatches::SequentialBatches(const TokenDataset& ds, Split split, int batch_size, int seq_len,
                                     uint64_t max_windows)
    : ds_(ds), split_(split), batch_size_(batch_size), seq_len_(seq_len), windows_(ds.NumWindows(split, seq_len)) {
  if (max_windows > 0 && max_windows < windows_) windows_ = max_windows;
}

Result<bool> SequentialBatches::Next(std::vector<int32_t>* tokens, int* rows) {
  *rows = 0;
  MINKE_RETURN_IF_ERROR(CheckShape(batch_size_, seq_len_));
  if (windows_ == 0)
    return Status::Error(ds_.dir() + ": the " + std::string(SplitName(split_)) + " split has " +
                         std::to_string(ds_.num_tokens(split_)) +
                         " tokens, fewer than seq_len + 1 = " + std::to_string(seq_len_ + 1));
  if (next_ >= windows_) return false;
  const uint64_t take = std::min<uint64_t>(static_cast<uint64_t>(batch_size_), windows_ - next_);
  const size_t row = static_cast<size_t>(seq_len_) + 1;
  tokens->resize(take * row);
  for (uint64_t r = 0; r < take; ++r)
    MINKE_RETURN_IF_ERROR(ds_.Window(split_, next_ + r, seq_len_, tokens->data() + r * row));
  next_ += take;
  *rows = static_cast<int>(take);
  return true;
}

}  // namespace minke::data
