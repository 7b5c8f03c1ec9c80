#include "data/reader.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace minke::data {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunkBytes = 4 << 20;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool IsGzip(const fs::path& p) { return Lower(p.extension().string()) == ".gz"; }

InputKind KindOf(fs::path p) {
  if (IsGzip(p)) p = p.stem();
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jsonl" || ext == ".ndjson" || ext == ".json" ? InputKind::kJsonl : InputKind::kPlainText;
}

bool Blank(std::string_view s) { return s.find_first_not_of(" \t\r\v\f") == std::string_view::npos; }

}  // namespace

Result<std::vector<InputFile>> ExpandInputs(const std::vector<std::string>& paths) {
  std::vector<InputFile> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) return Status::Error(path + ": no such file or directory");
    if (fs::is_regular_file(st)) {
      files.push_back({path, KindOf(path), static_cast<uint64_t>(fs::file_size(path, ec)), IsGzip(path)});
      continue;
    }
    if (!fs::is_directory(st)) return Status::Error(path + ": not a regular file or directory");
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(path, fs::directory_options::follow_directory_symlink, ec), end;
    if (ec) return Status::Error(path + ": cannot list directory: " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) return Status::Error(path + ": cannot list directory: " + ec.message());
      if (it->path().filename().string().starts_with(".")) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    for (const std::string& f : found)
      files.push_back({f, KindOf(f), static_cast<uint64_t>(fs::file_size(f, ec)), IsGzip(f)});
  }
  return files;
}

DocReader::DocReader(std::vector<InputFile> files, const InputConfig& config)
    : files_(std::move(files)), config_(config), buf_(kChunkBytes) {}

DocReader::~DocReader() { CloseFile(); }

void DocReader::CloseFile() {
  if (gz_ != nullptr) {
    gzclose(static_cast<gzFile>(gz_));  // closes fd_ too
    gz_ = nullptr;
  } else if (fd_ >= 0) {
    ::close(fd_);
  }
  fd_ = -1;
}

Status DocReader::OpenNext() {
  CloseFile();
  file_index_ = static_cast<uint32_t>(next_file_++);
  const std::string& path = files_[file_index_].path;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return Status::Error(path + ": cannot open: " + std::strerror(errno));
  if (files_[file_index_].gzip) {
    gz_ = gzdopen(fd_, "rb");
    if (gz_ == nullptr) return Status::Error(path + ": cannot open as gzip");
    gzbuffer(static_cast<gzFile>(gz_), 1 << 20);
    gz_pos_ = 0;
  }
  file_open_ = true;
  eof_ = false;
  buf_pos_ = buf_len_ = 0;
  line_no_ = 0;
  in_doc_ = false;
  return Status::Ok();
}

Result<size_t> DocReader::Fill() {
  const std::string& path = files_[file_index_].path;
  if (gz_ != nullptr) {
    auto* gz = static_cast<gzFile>(gz_);
    const int n = gzread(gz, buf_.data(), static_cast<unsigned>(buf_.size()));
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(gz, &code);
      return Status::Error(path + ": gzip data corrupt or truncated: " + (msg ? msg : "?"));
    }
    // A .gz cut short reads as a clean end in gzread; zlib flags it only here.
    if (n == 0) {
      int code = 0;
      gzerror(gz, &code);
      if (code != Z_OK && code != Z_STREAM_END) return Status::Error(path + ": gzip data corrupt or truncated");
    }
    const z_off_t pos = gzoffset(gz);
    if (pos >= 0 && static_cast<uint64_t>(pos) > gz_pos_)
      bytes_read_ += static_cast<uint64_t>(pos) - gz_pos_, gz_pos_ = pos;
    return static_cast<size_t>(n);
  }
  while (true) {
    const ssize_t n = ::read(fd_, buf_.data(), buf_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Error(path + ": read failed: " + std::strerror(errno));
    bytes_read_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }
}

Result<bool> DocReader::NextLine() {
  line_.clear();
  line_size_ = 0;
  line_truncated_ = false;
  bool got_any = false;
  const size_t cap = static_cast<size_t>(config_.max_doc_bytes);
  while (true) {
    if (buf_pos_ == buf_len_) {
      if (eof_) break;
      MINKE_ASSIGN_OR_RETURN(const size_t n, Fill());
      if (n == 0) {
        eof_ = true;
        continue;
      }
      buf_pos_ = 0;
      buf_len_ = n;
    }
    const char* start = buf_.data() + buf_pos_;
    const size_t avail = buf_len_ - buf_pos_;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', avail));
    const size_t take = nl ? static_cast<size_t>(nl - start) : avail;
    got_any = true;
    line_size_ += take;
    const size_t room = cap > line_.size() ? cap - line_.size() : 0;
    line_.append(start, std::min(take, room));
    line_truncated_ |= take > room;
    buf_pos_ += take + (nl ? 1 : 0);
    if (nl) break;
  }
  if (got_any) ++line_no_;
  return got_any;
}

void DocReader::AppendToDoc(std::string_view s) {
  const size_t cap = static_cast<size_t>(config_.max_doc_bytes);
  if (!in_doc_) {
    doc_ = RawDoc{};
    doc_.file = file_index_;
    doc_.line = line_no_;
    in_doc_ = true;
  } else {
    doc_.size += 1;
    if (doc_.bytes.size() < cap)
      doc_.bytes.push_back('\n');
    else
      doc_.oversized = true;
  }
  doc_.size += line_size_;
  const size_t room = cap > doc_.bytes.size() ? cap - doc_.bytes.size() : 0;
  doc_.bytes.append(s.substr(0, room));
  doc_.oversized |= line_truncated_ || s.size() > room;
}

void DocReader::EmitDoc(std::vector<RawDoc>* batch, int64_t* bytes) {
  *bytes += static_cast<int64_t>(doc_.bytes.size());
  batch->push_back(std::move(doc_));
  doc_ = RawDoc{};
  in_doc_ = false;
}

Status DocReader::NextBatch(int64_t batch_bytes, std::vector<RawDoc>* batch) {
  batch->clear();
  int64_t bytes = 0;
  while (bytes < batch_bytes) {
    if (!file_open_) {
      if (next_file_ == files_.size()) break;
      MINKE_RETURN_IF_ERROR(OpenNext());
    }
    MINKE_ASSIGN_OR_RETURN(bool got, NextLine());
    if (!got) {
      if (in_doc_) EmitDoc(batch, &bytes);
      CloseFile();
      file_open_ = false;
      continue;
    }
    if (files_[file_index_].kind == InputKind::kJsonl) {
      if (Blank(line_)) continue;
      AppendToDoc(line_);
      EmitDoc(batch, &bytes);
    } else if (config_.plain_text_unit == PlainTextUnit::kParagraph && Blank(line_)) {
      if (in_doc_) EmitDoc(batch, &bytes);
    } else {
      AppendToDoc(line_);
    }
  }
  return Status::Ok();
}

}  // namespace minke::data
