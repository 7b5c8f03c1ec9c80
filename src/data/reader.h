// Reading corpora as a stream of documents, a bounded batch at a time, so
// inputs far larger than RAM go through in constant memory.
//
// Inputs are files and directories (walked recursively in byte order of the
// path, skipping names that start with '.'). Files ending in .jsonl, .ndjson
// or .json are JSON Lines (one document per non-blank line; the pipeline
// parses them); any other file is plain UTF-8 text, cut into documents at
// blank lines or taken whole (InputConfig::plain_text_unit). A file ending
// in .gz is gzip-decompressed as it is read (zlib) and classified by the
// name without .gz ("x.jsonl.gz" is JSON Lines). Files are read in 4 MiB
// chunks; a document longer than max_doc_bytes keeps
// only its first max_doc_bytes and is flagged oversized.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/clean_config.h"

namespace minke::data {

enum class InputKind { kPlainText, kJsonl };

struct InputFile {
  std::string path;
  InputKind kind;
  uint64_t size;      // bytes on disk (compressed, for .gz)
  bool gzip = false;  // name ends in .gz
};

// Expands files and directories into the ordered list of files to read.
Result<std::vector<InputFile>> ExpandInputs(const std::vector<std::string>& paths);

struct RawDoc {
  std::string bytes;  // a JSONL line, a block of text or a whole file
  uint32_t file = 0;  // index into the input list
  uint64_t line = 0;  // 1-based line where the document starts
  uint64_t size = 0;  // original size in bytes (bytes.size() unless oversized)
  bool oversized = false;
};

// Not thread-safe; owned by the pipeline's main thread.
class DocReader {
 public:
  DocReader(std::vector<InputFile> files, const InputConfig& config);
  ~DocReader();
  DocReader(const DocReader&) = delete;
  DocReader& operator=(const DocReader&) = delete;

  // Clears *batch and fills it with whole documents until they hold at least
  // batch_bytes bytes or the input ends. An empty batch means the end.
  Status NextBatch(int64_t batch_bytes, std::vector<RawDoc>* batch);
  // Bytes of input files consumed so far (on disk: compressed for .gz).
  uint64_t bytes_read() const { return bytes_read_; }
  const std::vector<InputFile>& files() const { return files_; }

 private:
  // Reads the next line of the current file into line_ (without '\n').
  // Returns false at the end of the file.
  Result<bool> NextLine();
  Status OpenNext();
  void CloseFile();
  // read(2) or gzread into buf_; returns bytes read, 0 at the end.
  Result<size_t> Fill();
  void AppendToDoc(std::string_view s);
  void EmitDoc(std::vector<RawDoc>* batch, int64_t* bytes);

  std::vector<InputFile> files_;
  InputConfig config_;
  size_t next_file_ = 0;
  int fd_ = -1;
  void* gz_ = nullptr;   // gzFile for .gz inputs (zlib's type kept out of the header)
  uint64_t gz_pos_ = 0;  // compressed bytes of the open .gz file consumed so far
  uint32_t file_index_ = 0;
  bool file_open_ = false;
  std::vector<char> buf_;
  size_t buf_pos_ = 0, buf_len_ = 0;
  bool eof_ = false;
  std::string line_;
  uint64_t line_no_ = 0, line_size_ = 0;
  bool line_truncated_ = false;
  RawDoc doc_;  // the document being assembled
  bool in_doc_ = false;
  uint64_t bytes_read_ = 0;
};

}  // namespace minke::data
