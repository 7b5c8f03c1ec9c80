#include "data/tokenize.h"

#include <omp.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/json_depth.h"
#include "core/mapped_file.h"
#include "core/sha256.h"
#include "data/reader.h"

namespace minke::data {
namespace {

constexpr size_t kFlushBytes = 4 << 20;

// One output split: ids converted to the shard's width, buffered, hashed as
// they go, appended to an AtomicFile.
class SplitWriter {
 public:
  SplitWriter(const std::string& dir, std::string file, int token_bytes)
      : path_(dir + "/" + file), token_bytes_(token_bytes), out_(path_) {
    info_.file = std::move(file);
  }
  Status Open() { return out_.Open(); }

  Status AddDocument(const std::vector<uint32_t>& ids, uint32_t eos) {
    for (uint32_t id : ids) Put(id);
    Put(eos);
    info_.tokens += ids.size() + 1;
    ++info_.documents;
    return buf_.size() >= kFlushBytes ? Flush() : Status::Ok();
  }

  Status Commit() {
    MINKE_RETURN_IF_ERROR(Flush());
    info_.sha256 = sha_.FinalHex();
    return out_.Commit();
  }
  const TokenSplitInfo& info() const { return info_; }

 private:
  // Little-endian by construction, whatever the host.
  void Put(uint32_t id) {
    for (int b = 0; b < token_bytes_; ++b) buf_.push_back(static_cast<char>(id >> (8 * b)));
  }
  Status Flush() {
    sha_.Update(buf_);
    MINKE_RETURN_IF_ERROR(out_.Append(buf_.data(), buf_.size()));
    buf_.clear();
    return Status::Ok();
  }

  std::string path_;
  int token_bytes_;
  AtomicFile out_;
  std::string buf_;
  Sha256 sha_;
  TokenSplitInfo info_;
};

// The text of one document, or why there is none; thread-safe.
bool DocumentText(const RawDoc& raw, InputKind kind, const std::string& field, std::string* storage,
                  std::string_view* text, std::string* error) {
  if (kind == InputKind::kPlainText) {
    *text = raw.bytes;
    return true;
  }
  if (!JsonDepthWithin(raw.bytes, kMaxJsonDepth)) {
    *error = "malformed JSON: nests deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return false;
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(raw.bytes);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    const size_t cut = what.find("] ");
    *error = "malformed JSON: " + (cut == std::string::npos ? what : what.substr(cut + 2));
    return false;
  }
  auto it = j.is_object() ? j.find(field) : j.end();
  if (it == j.end() || !it->is_string()) {
    *error = "no string field \"" + field + "\"";
    return false;
  }
  *storage = it->get<std::string>();
  *text = *storage;
  return true;
}

struct DocOut {
  std::vector<uint32_t> ids;
  std::string error;
  uint64_t text_bytes = 0;
  bool empty = false, val = false;
};

Result<std::vector<TokenInputInfo>> HashInputs(const std::vector<InputFile>& files) {
  std::vector<TokenInputInfo> out(files.size());
  std::vector<Status> errors(files.size());
#pragma omp parallel for schedule(dynamic)
  for (size_t i = 0; i < files.size(); ++i) {
    out[i].path = files[i].path;
    out[i].bytes = files[i].size;
    auto h = Sha256File(files[i].path);
    if (h.ok())
      out[i].sha256 = *h;
    else
      errors[i] = h.status();
  }
  for (const Status& s : errors) MINKE_RETURN_IF_ERROR(s);
  return out;
}

}  // namespace

Result<std::string> ReadGzipFile(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return Status::Error(path + ": cannot open");
  std::string out;
  std::vector<char> buf(1 << 20);
  int n;
  while ((n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()))) > 0) {
    out.append(buf.data(), static_cast<size_t>(n));
    if (out.size() > (size_t{1} << 30)) n = -2;
  }
  gzclose(f);
  if (n == -2) return Status::Error(path + ": decompresses to more than 1 GiB");
  if (n < 0) return Status::Error(path + ": gzip data corrupt or truncated");
  return out;
}

Result<tokenizer::Tokenizer> LoadTokenizer(const std::string& path) {
  if (!path.ends_with(".gz")) return tokenizer::Tokenizer::FromFile(path);
  MINKE_ASSIGN_OR_RETURN(std::string text, ReadGzipFile(path));
  return tokenizer::Tokenizer::FromJson(text, path);
}

Result<std::string> FindEosToken(const tokenizer::Tokenizer& t) {
  for (const char* s : {"<｜end▁of▁sentence｜>", "<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>"})
    if (t.TokenToId(s)) return std::string(s);
  return Status::Error("the tokenizer has none of the usual end-of-text tokens; name one with --eos");
}

Result<TokenizeResult> TokenizeCorpus(const TokenizeOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!(opt.val_fraction >= 0 && opt.val_fraction <= 1))
    return Status::Error("--val-fraction: expected a number in [0, 1], got " + std::to_string(opt.val_fraction));
  MINKE_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, LoadTokenizer(opt.tokenizer_path));
  TokenShardMeta meta;
  meta.eos_token = opt.eos;
  if (meta.eos_token.empty()) {
    MINKE_ASSIGN_OR_RETURN(meta.eos_token, FindEosToken(tok));
  }
  const std::optional<uint32_t> eos = tok.TokenToId(meta.eos_token);
  if (!eos) return Status::Error("--eos: '" + meta.eos_token + "' is not a token of " + opt.tokenizer_path);
  meta.eos_id = *eos;
  meta.vocab_size = tok.vocab_size();
  meta.token_bytes = TokenBytesFor(meta.vocab_size);
  meta.tokenizer_path = opt.tokenizer_path;
  MINKE_ASSIGN_OR_RETURN(meta.tokenizer_sha256, Sha256File(opt.tokenizer_path));
  meta.seed = opt.seed;
  meta.val_fraction = opt.val_fraction;
  meta.document_unit = opt.plain_text_unit == PlainTextUnit::kFile ? "file" : "paragraph";

  if (opt.inputs.empty()) return Status::Error("no input files given");
  MINKE_ASSIGN_OR_RETURN(std::vector<InputFile> files, ExpandInputs(opt.inputs));
  std::error_code ec;
  std::filesystem::create_directories(opt.out_dir, ec);
  if (ec) return Status::Error(opt.out_dir + ": cannot create directory: " + ec.message());
  // Never read our own output (an --out inside an input directory), as `data clean`.
  const std::filesystem::path out_dir = std::filesystem::weakly_canonical(opt.out_dir, ec);
  std::erase_if(files, [&](const InputFile& f) {
    const std::filesystem::path rel = std::filesystem::weakly_canonical(f.path, ec).lexically_relative(out_dir);
    return !rel.empty() && *rel.begin() != "..";
  });
  if (files.empty()) return Status::Error("no input files found under the given paths");
  if (opt.threads > 0) omp_set_num_threads(opt.threads);
  MINKE_ASSIGN_OR_RETURN(meta.inputs, HashInputs(files));
  SplitWriter train(opt.out_dir, "train.bin", meta.token_bytes), val(opt.out_dir, "val.bin", meta.token_bytes);
  MINKE_RETURN_IF_ERROR(train.Open());
  MINKE_RETURN_IF_ERROR(val.Open());

  TokenizeResult result;
  result.setup_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  TokenizeProgress progress;
  for (const InputFile& f : files) progress.bytes_total += f.size;
  InputConfig in;
  in.plain_text_unit = opt.plain_text_unit;
  in.text_field = opt.text_field;
  in.max_doc_bytes = opt.max_doc_bytes;
  DocReader reader(files, in);
  std::vector<RawDoc> batch;
  std::vector<DocOut> outs;
  result.threads = omp_get_max_threads();
  while (true) {
    MINKE_RETURN_IF_ERROR(reader.NextBatch(opt.batch_bytes, &batch));
    if (batch.empty()) break;
    outs.assign(batch.size(), DocOut{});
    // Documents vary a lot in length (a chapter vs a verse): dynamic schedule.
#pragma omp parallel for schedule(dynamic, 16)
    for (size_t i = 0; i < batch.size(); ++i) {
      const RawDoc& raw = batch[i];
      DocOut& o = outs[i];
      if (raw.oversized) {
        o.error = "document of " + std::to_string(raw.size) + " bytes is over the limit of " +
                  std::to_string(opt.max_doc_bytes) + " bytes";
        continue;
      }
      std::string storage;
      std::string_view text;
      if (!DocumentText(raw, files[raw.file].kind, opt.text_field, &storage, &text, &o.error)) continue;
      if (text.empty()) {
        o.empty = true;
        continue;
      }
      o.text_bytes = text.size();
      o.val = IsValDocument(text, opt.seed, opt.val_fraction);
      Status s = tok.Encode(text, /*add_special_tokens=*/false, &o.ids);
      if (!s.ok()) o.error = s.message();
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      const DocOut& o = outs[i];
      if (!o.error.empty())
        return Status::Error(files[batch[i].file].path + ":" + std::to_string(batch[i].line) + ": " + o.error);
      if (o.empty) {
        ++meta.skipped_empty;
        continue;
      }
      MINKE_RETURN_IF_ERROR((o.val ? val : train).AddDocument(o.ids, meta.eos_id));
      ++progress.docs;
      progress.text_bytes += o.text_bytes;
      progress.tokens += o.ids.size() + 1;
    }
    progress.bytes_read = reader.bytes_read();
    progress.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (opt.progress) opt.progress(progress);
  }
  // An old meta.json goes first: a crash between the renames below leaves
  // .bin files without a meta.json (the loader refuses them) rather than
  // new .bin files described by old metadata.
  const std::string meta_path = opt.out_dir + "/meta.json";
  ::unlink(meta_path.c_str());
  MINKE_RETURN_IF_ERROR(train.Commit());
  MINKE_RETURN_IF_ERROR(val.Commit());
  meta.train = train.info();
  meta.val = val.info();
  const std::string json = TokenShardMetaToJson(meta);
  MINKE_RETURN_IF_ERROR(WriteFileAtomic(meta_path, json.data(), json.size()));
  result.meta = std::move(meta);
  result.input_bytes = progress.bytes_total;
  result.text_bytes = progress.text_bytes;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace minke::data
