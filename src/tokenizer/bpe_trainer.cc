#include "tokenizer/bpe_trainer.h"

#include <omp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/mapped_file.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace minke::tokenizer {
namespace {

// DeepSeek-V3's tokenizer.json pre_tokenizer, verbatim: digits in runs of up
// to 3, CJK runs, then words / punctuation / whitespace, then ByteLevel.
constexpr const char* kPreTokenizerJson =
    R"json({"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated", "invert": false}, {"type": "Split", "pattern": {"Regex": "[一-龥぀-ゟ゠-ヿ]+"}, "behavior": "Isolated", "invert": false}, {"type": "Split", "pattern": {"Regex": "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"}, "behavior": "Isolated", "invert": false}, {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]})json";

// Lines are pre-tokenized in blocks of about this many bytes, in parallel
// within a block; progress is reported per block.
constexpr size_t kBlockBytes = size_t{4} << 20;

uint64_t Key(uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }
uint32_t Left(uint64_t k) { return static_cast<uint32_t>(k >> 32); }
uint32_t Right(uint64_t k) { return static_cast<uint32_t>(k); }

// HF trainer.rs `Merge`: the heap orders by count, then by the smaller pair.
// `pos` holds the indices of the words where the pair was (last) formed.
struct HeapEntry {
  uint64_t count;
  uint64_t pair;
  std::vector<uint32_t> pos;
};
// "x sits below y" in the max-heap.
bool HeapLess(const HeapEntry& x, const HeapEntry& y) {
  if (x.count != y.count) return x.count < y.count;
  return x.pair > y.pair;  // (a, b) compared as a tuple, like Rust's (u32, u32)
}

struct PairChange {
  uint64_t pair;
  int delta;
};

// Merges every (a, b) in `w`, left to right, into `id`, and appends the pair
// changes exactly as HF's Word::merge reports them: for each merge, the pair
// with the left neighbour and with the right neighbour move from the old
// symbols to the new one. The merged pair itself is not reported (HF leaves
// its count stale; it is never merged again).
void MergeWord(std::vector<uint32_t>* w, uint32_t a, uint32_t b, uint32_t id, std::vector<PairChange>* changes) {
  std::vector<uint32_t>& s = *w;
  size_t out = 0;
  for (size_t i = 0; i < s.size();) {
    if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
      if (out > 0) {
        changes->push_back({Key(s[out - 1], a), -1});
        changes->push_back({Key(s[out - 1], id), +1});
      }
      if (i + 2 < s.size()) {
        changes->push_back({Key(b, s[i + 2]), -1});
        changes->push_back({Key(id, s[i + 2]), +1});
      }
      s[out++] = id;
      i += 2;
    } else {
      s[out++] = s[i++];
    }
  }
  s.resize(out);
}

// Appends pos to a word-index list kept free of repeats (indices arrive in
// runs per word, so checking the last one is enough).
void AddPos(std::vector<uint32_t>* v, uint32_t iw) {
  if (v->empty() || v->back() != iw) v->push_back(iw);
}

std::string Utf8(char32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

// A JSON string literal, UTF-8 kept as is.
std::string Quote(const std::string& s) { return nlohmann::json(s).dump(-1, ' ', /*ensure_ascii=*/false); }

// The tokenizer.json text, laid out like HF's (one vocab entry / merge per
// line). Written by hand because nlohmann's ordered_json inserts in O(n),
// which made a 32k vocabulary cost more than the training.
std::string TokenizerJson(const std::vector<std::string>& id_to_word,
                          const std::vector<std::pair<uint32_t, uint32_t>>& merges,
                          const std::vector<std::string>& specials, const std::vector<uint32_t>& special_ids) {
  nlohmann::ordered_json added = nlohmann::ordered_json::array();
  for (size_t i = 0; i < specials.size(); ++i)
    added.push_back({{"id", special_ids[i]},
                     {"content", specials[i]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  std::string out = "{\n \"version\": \"1.0\",\n \"truncation\": null,\n \"padding\": null,\n";
  out += " \"added_tokens\": " + added.dump(-1, ' ', false) + ",\n \"normalizer\": null,\n";
  out += std::string(" \"pre_tokenizer\": ") + kPreTokenizerJson + ",\n";
  // As DeepSeek-V3's: the ByteLevel post-processor adds nothing; the decoder maps bytes back.
  out +=
      " \"post_processor\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": false, "
      "\"use_regex\": true},\n";
  out +=
      " \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, "
      "\"use_regex\": true},\n";
  out +=
      " \"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, \"continuing_subword_prefix\": "
      "null, \"end_of_word_suffix\": null, \"fuse_unk\": false, \"byte_fallback\": false, \"ignore_merges\": "
      "false,\n  \"vocab\": {";
  for (size_t i = 0; i < id_to_word.size(); ++i)
    out += (i ? ",\n   " : "\n   ") + Quote(id_to_word[i]) + ": " + std::to_string(i);
  out += "\n  },\n  \"merges\": [";
  for (size_t i = 0; i < merges.size(); ++i)
    out += (i ? ",\n   [" : "\n   [") + Quote(id_to_word[merges[i].first]) + ", " +
           Quote(id_to_word[merges[i].second]) + "]";
  out += "\n  ]\n }\n}\n";
  return out;
}

}  // namespace

const char* BpeTrainer::PreTokenizerJson() { return kPreTokenizerJson; }

Result<BpeTrainer> BpeTrainer::Create(BpeTrainerOptions options) {
  const size_t k = options.special_tokens.size();
  for (size_t i = 0; i < k; ++i) {
    if (options.special_tokens[i].empty()) return Status::Error("special token " + std::to_string(i) + " is empty");
    if (ValidUtf8Prefix(options.special_tokens[i]) != options.special_tokens[i].size())
      return Status::Error("special token " + std::to_string(i) + " is not valid UTF-8");
    for (size_t j = 0; j < i; ++j)
      if (options.special_tokens[j] == options.special_tokens[i])
        return Status::Error("special token '" + options.special_tokens[i] + "' is given twice");
  }
  if (options.vocab_size < 256 + k || options.vocab_size > kMaxTokenId)
    return Status::Error("vocab size " + std::to_string(options.vocab_size) + " must be at least 256 bytes + " +
                         std::to_string(k) + " special tokens = " + std::to_string(256 + k) + " and at most " +
                         std::to_string(kMaxTokenId));
  BpeTrainer t;
  t.options_ = std::move(options);
  MINKE_ASSIGN_OR_RETURN(t.pre_tokenizer_, PreTokenizer::FromJson(json::parse(kPreTokenizerJson), "pre_tokenizer"));
  return t;
}

Status BpeTrainer::Feed(std::string_view sequence) {
  const size_t valid = ValidUtf8Prefix(sequence);
  if (valid != sequence.size())
    return Status::Error("not valid UTF-8 (bad byte at offset " + std::to_string(valid) + ")");
  return FeedLines(sequence, "input");
}

Status BpeTrainer::FeedFile(const std::string& path) {
  MINKE_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> f, MappedFile::Open(path));
  const std::string_view text(reinterpret_cast<const char*>(f->data()), f->size());
  const size_t valid = ValidUtf8Prefix(text);
  if (valid != text.size()) {
    const size_t line = 1 + std::count(text.begin(), text.begin() + valid, '\n');
    return Status::Error(path + ": line " + std::to_string(line) + ": not valid UTF-8 (bad byte at offset " +
                         std::to_string(valid) + "); HF tokenizers would refuse this file too");
  }
  return FeedLines(text, path);
}

// Splits `text` into lines that keep their "\n" (HF's lines_with_ending),
// pre-tokenizes them on all threads and counts the words.
Status BpeTrainer::FeedLines(std::string_view text, const std::string& where) {
  std::vector<std::string_view> lines;
  for (size_t begin = 0; begin < text.size();) {
    const size_t block_end = std::min(text.size(), begin + kBlockBytes);
    lines.clear();
    size_t p = begin;
    while (p < text.size() && (p < block_end || lines.empty())) {
      size_t nl = text.find('\n', p);
      const size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
      lines.push_back(text.substr(p, end - p));
      p = end;
    }
    std::vector<WordCounts> local(omp_get_max_threads());
    Status error;
#pragma omp parallel
    {
      PreTokenizer::Scratch scratch;
      std::vector<std::string_view> pieces;
      WordCounts& counts = local[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 256)
      for (size_t i = 0; i < lines.size(); ++i) {
        pieces.assign(1, lines[i]);
        scratch.owned.clear();
        Status s = pre_tokenizer_.Run(&pieces, &scratch);
        if (!s.ok()) {
#pragma omp critical
          error = s;
          continue;
        }
        for (std::string_view w : pieces) {
          auto it = counts.find(w);
          if (it == counts.end())
            counts.emplace(std::string(w), 1);
          else
            ++it->second;
        }
      }
    }
    if (!error.ok()) return error.WithContext(where);
    for (WordCounts& c : local)
      for (auto& [w, n] : c) counts_[w] += n;
    bytes_ += p - begin;
    begin = p;
    Report("counting words: " + where, begin, text.size());
  }
  return Status::Ok();
}

Result<std::string> BpeTrainer::Train(BpeTrainingStats* stats) {
  if (counts_.empty()) return Status::Error("the corpus is empty: no words to learn merges from");
  // Words in a fixed order, so that the output does not depend on hashing.
  std::vector<std::pair<std::string, uint64_t>> sorted(counts_.begin(), counts_.end());
  std::sort(sorted.begin(), sorted.end());

  // Vocabulary: special tokens, then the byte alphabet sorted by code point.
  std::vector<std::string> id_to_word;
  std::unordered_map<std::string, uint32_t> word_to_id;
  auto add = [&](const std::string& s) {
    auto [it, inserted] = word_to_id.emplace(s, static_cast<uint32_t>(id_to_word.size()));
    if (inserted) id_to_word.push_back(s);
    return it->second;
  };
  for (const std::string& s : options_.special_tokens) add(s);
  std::vector<int> bytes(256);
  for (int b = 0; b < 256; ++b) bytes[b] = b;
  std::sort(bytes.begin(), bytes.end(), [](int x, int y) { return ByteToChar(x) < ByteToChar(y); });
  uint32_t byte_id[256];
  for (int b : bytes) byte_id[b] = add(Utf8(ByteToChar(static_cast<unsigned char>(b))));

  // Words as symbol ids, and the initial pair counts with where each pair is.
  std::vector<std::vector<uint32_t>> words(sorted.size());
  std::vector<uint64_t> freq(sorted.size());
  std::unordered_map<uint64_t, int64_t> pair_counts;
  std::unordered_map<uint64_t, std::vector<uint32_t>> where_to_update;
  uint64_t total_words = 0;
  for (size_t iw = 0; iw < sorted.size(); ++iw) {
    const std::string& w = sorted[iw].first;
    freq[iw] = sorted[iw].second;
    total_words += freq[iw];
    for (unsigned char c : w) words[iw].push_back(byte_id[c]);
    for (size_t i = 0; i + 1 < words[iw].size(); ++i) {
      const uint64_t key = Key(words[iw][i], words[iw][i + 1]);
      pair_counts[key] += static_cast<int64_t>(freq[iw]);
      AddPos(&where_to_update[key], static_cast<uint32_t>(iw));
    }
  }
  std::vector<HeapEntry> heap;
  auto push_updates = [&] {
    for (auto& [pair, pos] : where_to_update) {
      const int64_t count = pair_counts[pair];
      if (count > 0) {
        heap.push_back({static_cast<uint64_t>(count), pair, std::move(pos)});
        std::push_heap(heap.begin(), heap.end(), HeapLess);
      }
    }
    where_to_update.clear();
  };
  push_updates();

  std::vector<std::pair<uint32_t, uint32_t>> merges;
  std::vector<PairChange> changes;
  const uint64_t target = options_.vocab_size, start = id_to_word.size();
  while (id_to_word.size() < target && !heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), HeapLess);
    HeapEntry top = std::move(heap.back());
    heap.pop_back();
    const auto current = static_cast<uint64_t>(std::max<int64_t>(0, pair_counts[top.pair]));
    if (top.count != current) {  // stale: other merges changed this pair's count since it was pushed
      top.count = current;
      heap.push_back(std::move(top));
      std::push_heap(heap.begin(), heap.end(), HeapLess);
      continue;
    }
    if (top.count < 1 || top.count < options_.min_frequency) break;
    const uint32_t a = Left(top.pair), b = Right(top.pair);
    const uint32_t id = add(id_to_word[a] + id_to_word[b]);  // an existing string keeps its id
    merges.emplace_back(a, b);
    std::sort(top.pos.begin(), top.pos.end());
    for (uint32_t iw : top.pos) {
      changes.clear();
      MergeWord(&words[iw], a, b, id, &changes);
      for (const PairChange& c : changes) {
        pair_counts[c.pair] += c.delta * static_cast<int64_t>(freq[iw]);
        if (c.delta > 0) AddPos(&where_to_update[c.pair], iw);
      }
    }
    push_updates();
    if (merges.size() % 256 == 0) Report("merging", id_to_word.size() - start, target - start);
  }
  Report("merging", id_to_word.size() - start, target - start);

  std::vector<uint32_t> special_ids;
  for (const std::string& t : options_.special_tokens) special_ids.push_back(word_to_id[t]);
  std::string text = TokenizerJson(id_to_word, merges, options_.special_tokens, special_ids);

  // Our own output must load; a failure here is a bug in this file.
  Result<Tokenizer> check = Tokenizer::FromJson(text, "trained tokenizer.json");
  if (!check.ok()) return Status::Error("internal error: " + check.status().message());
  if (stats != nullptr) {
    stats->bytes = bytes_;
    stats->words = total_words;
    stats->unique_words = sorted.size();
    stats->vocab_size = static_cast<uint32_t>(id_to_word.size());
    stats->merges = static_cast<uint32_t>(merges.size());
  }
  return text;
}

Result<BpeTrainingStats> TrainBpeTokenizer(const BpeTrainerOptions& options, const std::vector<std::string>& files,
                                           const std::string& out_path) {
  if (files.empty()) return Status::Error("no training files given");
  MINKE_ASSIGN_OR_RETURN(BpeTrainer trainer, BpeTrainer::Create(options));
  for (const std::string& f : files) MINKE_RETURN_IF_ERROR(trainer.FeedFile(f));
  BpeTrainingStats stats;
  Result<std::string> text = trainer.Train(&stats);
  if (!text.ok()) {
    std::string names;
    for (const std::string& f : files) names += (names.empty() ? "" : ", ") + f;
    return text.status().WithContext(names);
  }
  MINKE_RETURN_IF_ERROR(WriteFileAtomic(out_path, text->data(), text->size()).WithContext(out_path));
  return stats;
}

}  // namespace minke::tokenizer
