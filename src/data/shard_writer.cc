#include "data/shard_writer.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace minke::data {
namespace {
constexpr size_t kFlushBytes = 1 << 20;
}

ShardWriter::ShardWriter(std::string dir, int64_t shard_bytes) : dir_(std::move(dir)), shard_bytes_(shard_bytes) {}

ShardWriter::~ShardWriter() = default;  // an uncommitted AtomicFile removes its temp file

std::string ShardWriter::ShardName(size_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shard-%05zu.jsonl", index);
  return buf;
}

Status ShardWriter::Flush() {
  if (buffer_.empty()) return Status::Ok();
  MINKE_RETURN_IF_ERROR(file_->Append(buffer_.data(), buffer_.size()));
  buffer_.clear();
  return Status::Ok();
}

Status ShardWriter::Close() {
  if (!file_) return Status::Ok();
  MINKE_RETURN_IF_ERROR(Flush());
  MINKE_RETURN_IF_ERROR(file_->Commit());
  committed_.push_back(dir_ + "/" + ShardName(committed_.size()));
  file_.reset();
  in_shard_ = 0;
  return Status::Ok();
}

Status ShardWriter::Append(std::string_view line) {
  if (!file_) {
    file_ = std::make_unique<AtomicFile>(dir_ + "/" + ShardName(committed_.size()));
    MINKE_RETURN_IF_ERROR(file_->Open());
  }
  buffer_.append(line);
  in_shard_ += static_cast<int64_t>(line.size());
  if (buffer_.size() >= kFlushBytes) MINKE_RETURN_IF_ERROR(Flush());
  if (in_shard_ >= shard_bytes_) MINKE_RETURN_IF_ERROR(Close());
  return Status::Ok();
}

Status ShardWriter::Finish() {
  MINKE_RETURN_IF_ERROR(Close());
  for (size_t i = committed_.size();; ++i) {
    const std::string stale = dir_ + "/" + ShardName(i);
    if (::unlink(stale.c_str()) != 0) break;
  }
  return Status::Ok();
}

void ShardWriter::Abandon() {
  file_.reset();
  for (const std::string& p : committed_) ::unlink(p.c_str());
  committed_.clear();
}

}  // namespace minke::data
