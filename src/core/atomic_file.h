// AtomicFile: write a file so that readers see the old or the new version,
// never a torn one. Bytes go to "<path>.tmp.<pid>" in the same directory;
// Commit() fsyncs, renames over `path` and fsyncs the directory. Destroying
// an uncommitted AtomicFile removes the temp file. Not thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"

namespace minke {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Status Open();
  Status Append(const void* bytes, size_t size);
  Status Commit();

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

// One-shot helper: the whole file from one buffer.
Status WriteFileAtomic(const std::string& path, const void* bytes, size_t size);

}  // namespace minke
