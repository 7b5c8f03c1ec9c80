#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace minke {
namespace {

Status ErrnoStatus(const std::string& what, const std::string& path) {
  return Status::Error(path + ": " + what + ": " + std::strerror(errno));
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && fd_ != -1) ::unlink(tmp_.c_str());
}

Status AtomicFile::Open() {
  ::unlink(tmp_.c_str());  // a stale temp file from a crashed writer with our pid
  // O_EXCL | O_NOFOLLOW: never write through a file or symlink planted at the temp name.
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0) return ErrnoStatus("cannot create", tmp_);
  return Status::Ok();
}

Status AtomicFile::Append(const void* bytes, size_t size) {
  if (fd_ < 0) return Status::Error(tmp_ + ": not open");
  const auto* p = static_cast<const uint8_t*>(bytes);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write failed", tmp_);
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status AtomicFile::Commit() {
  if (fd_ < 0) return Status::Error(tmp_ + ": not open");
  if (::fsync(fd_) != 0) return ErrnoStatus("fsync failed", tmp_);
  ::close(fd_);
  fd_ = -2;  // closed, temp file still to be removed on failure
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) return ErrnoStatus("cannot rename temp file onto", path_);
  committed_ = true;
  int dfd = ::open(DirName(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // make the rename itself durable
    ::close(dfd);
  }
  return Status::Ok();
}

Status WriteFileAtomic(const std::string& path, const void* bytes, size_t size) {
  AtomicFile f(path);
  MINKE_RETURN_IF_ERROR(f.Open());
  MINKE_RETURN_IF_ERROR(f.Append(bytes, size));
  return f.Commit();
}

}  // namespace minke
