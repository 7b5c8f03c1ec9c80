// A read-only memory map of a whole file.
//
// The mapping lives as long as the MappedFile; pointers into data() are valid
// until it is destroyed (like leveldb::Slice, views do not own). Pages are
// read on demand, so a checkpoint larger than RAM still opens. Thread-safe
// for concurrent reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace minke {

class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size) : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const uint8_t* data_;
  size_t size_;
};

// Reads a whole (small) file into a string, e.g. config.json. Errors on
// anything but a regular file of at most 256 MiB (no FIFOs, no /dev/zero).
Result<std::string> ReadFileToString(const std::string& path);

}  // namespace minke
