#include "data/pipeline.h"

#include "core/json_depth.h"

#include <omp.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "data/hash.h"
#include "data/minhash.h"
#include "data/normalize.h"
#include "data/reader.h"
#include "data/scrub.h"
#include "data/shard_writer.h"
#include "data/utf8.h"

namespace minke::data {
namespace {

constexpr size_t kSnippetChars = 100;

// What happened to one document in the parallel stage.
struct DocResult {
  Rule rule = Rule::kKept;
  std::string detail;  // why it was removed
  std::string text;    // cleaned text (raw prefix for malformed/oversized documents)
  std::string line;    // output JSONL line, for documents still in the running
  int64_t in_bytes = 0;
  NormalizeStats norm;
  ScrubCounts scrub;
  uint64_t h1 = 0, h2 = 0;
  bool has_sig = false;
};

struct Scratch {
  QualityScratch quality;
  std::vector<uint64_t> shingles;
};

// The start of a text for a report, as one line of valid UTF-8.
std::string Snippet(std::string_view text) {
  std::string valid, out;
  RepairUtf8(text.substr(0, kSnippetChars * 4), &valid);
  size_t chars = 0;
  for (size_t i = 0; i < valid.size() && chars < kSnippetChars; ++i) {
    const char c = valid[i];
    if ((c & 0xC0) != 0x80) ++chars;
    if (c == '\n')
      out += "\u23CE";
    else if (c == '\t' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  if (valid.size() < text.size() || chars == kSnippetChars) out += "\u2026";
  return out;
}

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

// The per-document stage; const and thread-safe.
class Cleaner {
 public:
  explicit Cleaner(const CleanConfig& c)
      : c_(c), filter_(c.quality, c.repetition, c.quality_enabled, c.repetition_enabled), hasher_(c.dedup.minhash) {}

  void Process(const RawDoc& raw, const InputFile& file, Scratch* s, uint32_t* sig, DocResult* r) const {
    r->in_bytes = static_cast<int64_t>(raw.size);
    if (raw.oversized) {
      r->rule = Rule::kOversized;
      r->detail = std::to_string(raw.size) + " bytes > " + std::to_string(c_.input.max_doc_bytes);
      r->text = raw.bytes.substr(0, 4 * kSnippetChars);
      return;
    }
    std::string_view text = raw.bytes;
    std::string field, meta;
    if (file.kind == InputKind::kJsonl) {
      if (!ParseJsonl(raw.bytes, &field, &meta, &r->detail)) {
        r->rule = Rule::kMalformedJsonl;
        r->text = raw.bytes.substr(0, 4 * kSnippetChars);
        return;
      }
      text = field;
      r->in_bytes = static_cast<int64_t>(text.size());
    }
    r->text = NormalizeText(text, c_.normalize, &r->norm);
    if (r->text.find_first_not_of(" \t\n\r\v\f") == std::string::npos) {
      r->rule = Rule::kEmpty;
      return;
    }
    const Verdict v = filter_.Check(r->text, &s->quality);
    if (!v.kept()) {
      r->rule = v.rule;
      r->detail = v.Describe();
      return;
    }
    if (c_.scrub.any()) r->text = Scrub(r->text, c_.scrub, &r->scrub);
    if (c_.dedup.exact) r->h1 = Hash64(r->text, 1), r->h2 = Hash64(r->text, 2);
    if (c_.dedup.near) r->has_sig = hasher_.Signature(r->text, sig, &s->shingles);
    r->line.reserve(r->text.size() + file.path.size() + meta.size() + 48);
    r->line = "{\"text\":";
    AppendJsonString(r->text, &r->line);
    r->line += ",\"source\":";
    AppendJsonString(file.path, &r->line);
    r->line += ",\"line\":" + std::to_string(raw.line);
    if (!meta.empty()) r->line += ",\"meta\":" + meta;
    r->line += "}\n";
  }

 private:
  bool ParseJsonl(const std::string& line, std::string* text, std::string* meta, std::string* error) const {
    if (!JsonDepthWithin(line, kMaxJsonDepth)) {
      *error = "malformed JSON: nests deeper than " + std::to_string(kMaxJsonDepth) + " levels";
      return false;
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      std::string what = e.what();
      const size_t cut = what.find("] ");
      *error = "malformed JSON: " + (cut == std::string::npos ? what : what.substr(cut + 2));
      return false;
    }
    const std::string& key = c_.input.text_field;
    if (!j.is_object()) {
      *error = std::string("expected a JSON object, got ") + j.type_name();
      return false;
    }
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      *error = "no string field \"" + key + "\"" + (it == j.end() ? "" : std::string(" (got ") + it->type_name() + ")");
      return false;
    }
    *text = it->get<std::string>();
    j.erase(it);
    if (!j.empty()) *meta = j.dump();
    return true;
  }

  const CleanConfig& c_;
  QualityFilter filter_;
  MinHasher hasher_;
};

// The in-order stage: dedup against what was kept so far, write, tally.
class Keeper {
 public:
  Keeper(const CleanOptions& opt, const std::vector<InputFile>& files, CleanReport* rep)
      : c_(opt.config),
        files_(files),
        rep_(rep),
        lsh_(opt.config.dedup.minhash),
        writer_(opt.out_dir, opt.config.output.shard_bytes) {}

  Status Decide(const RawDoc& raw, const DocResult& r, const uint32_t* sig) {
    ++rep_->input_docs;
    rep_->input_bytes += r.in_bytes;
    if (r.norm.invalid_utf8) ++rep_->invalid_utf8_docs, rep_->invalid_utf8_sequences += r.norm.invalid_utf8;
    rep_->nfc_changed_docs += r.norm.nfc_changed;
    if (r.rule == Rule::kMalformedJsonl && !c_.input.skip_bad_jsonl)
      return Status::Error(Source(raw.file, raw.line) + ": " + r.detail);
    Rule rule = r.rule;
    std::string detail = r.detail;
    if (rule == Rule::kKept && c_.dedup.exact) {
      if (const uint32_t* k = exact_.Find(r.h1, r.h2)) {
        rule = Rule::kExactDuplicate;
        detail = "same text as " + KeptSource(*k);
      }
    }
    if (rule == Rule::kKept && c_.dedup.near && r.has_sig) {
      double est = 0;
      const int64_t id = lsh_.Query(sig, &est);
      if (id >= 0) {
        rule = Rule::kNearDuplicate;
        detail = "est. Jaccard " + Fixed(est) + " with " + KeptSource(lsh_kept_[static_cast<size_t>(id)]);
      }
    }
    if (rule != Rule::kKept) {
      RuleTally& t = rep_->tally(rule);
      ++t.docs;
      t.bytes += r.in_bytes;
      if (t.examples.size() < kMaxExamplesPerRule)
        t.examples.push_back({Source(raw.file, raw.line), detail, Snippet(r.text)});
      return Status::Ok();
    }
    const uint32_t kept = static_cast<uint32_t>(kept_.size());
    kept_.push_back({raw.file, raw.line});
    if (c_.dedup.exact) exact_.Insert(r.h1, r.h2, kept);
    if (c_.dedup.near && r.has_sig) {
      lsh_.Add(sig);
      lsh_kept_.push_back(kept);
    }
    ++rep_->output_docs;
    rep_->output_bytes += static_cast<int64_t>(r.text.size());
    if (r.scrub.total() > 0) {
      ++rep_->scrubbed_docs;
      rep_->scrubbed.email += r.scrub.email, rep_->scrubbed.phone += r.scrub.phone;
      rep_->scrubbed.ipv4 += r.scrub.ipv4, rep_->scrubbed.ipv6 += r.scrub.ipv6;
    }
    return writer_.Append(r.line);
  }

  ShardWriter& writer() { return writer_; }

 private:
  std::string Source(uint32_t file, uint64_t line) const { return files_[file].path + ":" + std::to_string(line); }
  std::string KeptSource(uint32_t kept) const { return Source(kept_[kept].first, kept_[kept].second); }

  const CleanConfig& c_;
  const std::vector<InputFile>& files_;
  CleanReport* rep_;
  Hash128Map exact_;
  LshIndex lsh_;
  std::vector<uint32_t> lsh_kept_;                   // LSH id -> kept index
  std::vector<std::pair<uint32_t, uint64_t>> kept_;  // kept index -> (file, line)
  ShardWriter writer_;
};

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        *out += "\\u00";
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(s.data() + start, s.size() - start);
  out->push_back('"');
}

Result<CleanReport> CleanCorpus(const CleanOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const CleanConfig& c = opt.config;
  MINKE_RETURN_IF_ERROR(ValidateCleanConfig(c));
  MINKE_ASSIGN_OR_RETURN(std::vector<InputFile> files, ExpandInputs(opt.inputs));
  std::error_code ec;
  std::filesystem::create_directories(opt.out_dir, ec);
  if (ec) return Status::Error(opt.out_dir + ": cannot create output directory: " + ec.message());
  // Never read our own output (an --out inside an input directory).
  const std::filesystem::path out_dir = std::filesystem::weakly_canonical(opt.out_dir, ec);
  std::erase_if(files, [&](const InputFile& f) {
    const std::filesystem::path rel = std::filesystem::weakly_canonical(f.path, ec).lexically_relative(out_dir);
    return !rel.empty() && *rel.begin() != "..";
  });
  if (files.empty()) return Status::Error("no input files found");

  CleanReport rep;
  for (const InputFile& f : files) rep.input_files.push_back(f.path), rep.input_file_bytes += f.size;
  rep.config_json = CleanConfigToJson(c);
  rep.threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
  const int threads = rep.threads;
  const int perm = c.dedup.minhash.num_perm();

  Cleaner cleaner(c);
  Keeper keeper(opt, files, &rep);
  DocReader reader(files, c.input);
  std::vector<Scratch> scratch(static_cast<size_t>(threads));
  std::vector<RawDoc> batch;
  std::vector<DocResult> results;
  std::vector<uint32_t> sigs;
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  auto fail = [&](const Status& s) {
    keeper.writer().Abandon();
    return s;
  };
  double mark = seconds();
  auto lap = [&](double* acc) {
    const double now = seconds();
    *acc += now - mark;
    mark = now;
  };
  while (true) {
    Status st = reader.NextBatch(c.output.batch_bytes, &batch);
    lap(&rep.read_seconds);
    if (!st.ok()) return fail(st);
    if (batch.empty()) break;
    const int64_t n = static_cast<int64_t>(batch.size());
    results.clear();
    results.resize(batch.size());
    sigs.resize(batch.size() * static_cast<size_t>(perm));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4)
    for (int64_t i = 0; i < n; ++i)
      cleaner.Process(batch[i], files[batch[i].file], &scratch[omp_get_thread_num()], &sigs[i * perm], &results[i]);
    lap(&rep.clean_seconds);
    for (int64_t i = 0; i < n; ++i) {
      st = keeper.Decide(batch[i], results[i], &sigs[i * perm]);
      if (!st.ok()) return fail(st);
    }
    lap(&rep.keep_seconds);
    if (opt.progress)
      opt.progress({reader.bytes_read(), static_cast<uint64_t>(rep.input_file_bytes), rep.input_docs, rep.output_docs,
                    seconds()});
  }
  Status st = keeper.writer().Finish();
  if (!st.ok()) return fail(st);
  rep.shards = keeper.writer().shards();
  rep.seconds = seconds();
  const std::string json = ReportToJson(rep), md = ReportToMarkdown(rep);
  st = WriteFileAtomic(opt.out_dir + "/report.json", json.data(), json.size());
  if (st.ok()) st = WriteFileAtomic(opt.out_dir + "/report.md", md.data(), md.size());
  if (!st.ok()) return fail(st);
  return rep;
}

}  // namespace minke::data
