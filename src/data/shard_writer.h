// ShardWriter: the cleaned corpus as JSONL shards DIR/shard-00000.jsonl, ...
// Each shard is an AtomicFile (temp + fsync + rename), so a reader never
// sees a torn shard; a shard is closed once it holds at least shard_bytes.
// Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/atomic_file.h"
#include "core/status.h"

namespace minke::data {

class ShardWriter {
 public:
  ShardWriter(std::string dir, int64_t shard_bytes);
  ~ShardWriter();

  // Appends one line (which must end in '\n').
  Status Append(std::string_view line);
  // Commits the open shard and removes stale shard-NNNNN.jsonl files that a
  // previous, larger run left behind.
  Status Finish();
  // Removes the shards this writer committed (after a failed run).
  void Abandon();
  const std::vector<std::string>& shards() const { return committed_; }

  static std::string ShardName(size_t index);

 private:
  Status Flush();
  Status Close();
  std::string dir_;
  int64_t shard_bytes_;
  std::unique_ptr<AtomicFile> file_;
  std::string buffer_;
  int64_t in_shard_ = 0;
  std::vector<std::string> committed_;
};

}  // namespace minke::data
