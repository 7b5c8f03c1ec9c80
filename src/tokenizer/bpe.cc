#include "tokenizer/bpe.h"

#include <atomic>
#include <queue>
#include <unordered_set>

#include "tokenizer/byte_level.h"
#include "tokenizer/utf8.h"

namespace minke::tokenizer {
namespace {

constexpr size_t kScanMaxSymbols = 96;  // longer words use the heap
constexpr size_t kCacheCapacity = 1u << 17;

std::atomic<uint64_t> g_next_uid{1};

struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Per-thread word -> ids caches, one per live model uid (a few at most).
struct WordCache {
  std::unordered_map<std::string, std::vector<uint32_t>, SvHash, std::equal_to<>> map;
};

WordCache& CacheFor(uint64_t uid) {
  thread_local std::unordered_map<uint64_t, WordCache> caches;
  auto it = caches.find(uid);
  if (it != caches.end()) return it->second;
  if (caches.size() >= 4) caches.clear();
  return caches[uid];
}

}  // namespace

void Bpe::MergeMap::Reserve(size_t n) {
  int bits = 4;
  while ((size_t{1} << bits) < 2 * n) ++bits;
  keys_.assign(size_t{1} << bits, kEmpty);
  vals_.assign(size_t{1} << bits, Merge{});
  mask_ = (size_t{1} << bits) - 1;
  shift_ = 64 - bits;
  size_ = 0;
}

void Bpe::MergeMap::Put(uint64_t key, Merge m) {
  if (2 * (size_ + 1) > keys_.size()) {  // grow (only when Reserve was too small)
    std::vector<uint64_t> k = std::move(keys_);
    std::vector<Merge> v = std::move(vals_);
    Reserve(k.size());
    for (size_t i = 0; i < k.size(); ++i)
      if (k[i] != kEmpty) Put(k[i], v[i]);
  }
  size_t i = Hash(key) & mask_;
  while (keys_[i] != kEmpty && keys_[i] != key) i = (i + 1) & mask_;
  if (keys_[i] == kEmpty) ++size_;
  keys_[i] = key;
  vals_[i] = m;
}

Result<Bpe> Bpe::FromJson(const json& j, const std::string& where) {
  MINKE_ASSIGN_OR_RETURN(std::string type, JsonType(j, where));
  if (type != "BPE") return Status::Error(where + " type '" + type + "' is not supported (only BPE)");
  MINKE_RETURN_IF_ERROR(
      JsonCheckKeys(j,
                    {"type", "dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix", "fuse_unk",
                     "byte_fallback", "ignore_merges", "vocab", "merges"},
                    where));
  const std::string at = where + ": BPE";
  if (j.contains("dropout") && !j["dropout"].is_null() && !(j["dropout"].is_number() && j["dropout"] == 0))
    return JsonError(at, "dropout is not supported");
  for (const char* k : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (j.contains(k) && !j[k].is_null() && !(j[k].is_string() && j[k].get<std::string>().empty()))
      return JsonError(at, std::string(k) + " is not supported");
  MINKE_ASSIGN_OR_RETURN(bool byte_fallback, JsonBool(j, "byte_fallback", false, at));
  if (byte_fallback) return JsonError(at, "byte_fallback is not supported");
  Bpe b;
  b.uid_ = g_next_uid.fetch_add(1);
  MINKE_ASSIGN_OR_RETURN(b.fuse_unk_, JsonBool(j, "fuse_unk", false, at));
  MINKE_ASSIGN_OR_RETURN(b.ignore_merges_, JsonBool(j, "ignore_merges", false, at));

  // vocab: {"token": id, ...}
  auto vit = j.find("vocab");
  if (vit == j.end() || !vit->is_object()) return JsonError(at, "field 'vocab' must be an object of token -> id");
  size_t limit = 0;
  for (auto it = vit->begin(); it != vit->end(); ++it) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() >= kMaxTokenId)
      return JsonError(at, "vocab['" + it.key() + "'] must be an id below " + std::to_string(kMaxTokenId));
    limit = std::max<size_t>(limit, it->get<uint64_t>() + 1);
  }
  b.id_to_token_.assign(limit, {});
  b.id_to_bytes_.assign(limit, {});
  b.id_kind_.assign(limit, 0);
  std::unordered_map<std::string_view, uint32_t> by_token;  // spelling -> id, for the merges
  by_token.reserve(vit->size());
  for (auto it = vit->begin(); it != vit->end(); ++it) {
    const uint32_t id = static_cast<uint32_t>(it->get<uint64_t>());
    if (b.id_kind_[id] != 0)
      return JsonError(at, "vocab id " + std::to_string(id) + " is used by both '" + b.id_to_token_[id] + "' and '" +
                               it.key() + "'");
    b.id_to_token_[id] = it.key();
    if (ByteLevelToBytes(it.key(), &b.id_to_bytes_[id])) {
      b.id_kind_[id] = 1;
      b.bytes_to_id_.emplace(b.id_to_bytes_[id], id);
    } else {
      b.id_kind_[id] = 2;
      b.other_to_id_.emplace(it.key(), id);
    }
  }
  for (uint32_t id = 0; id < limit; ++id)
    if (b.id_kind_[id] != 0) by_token.emplace(b.id_to_token_[id], id);
  for (int byte = 0; byte < 256; ++byte) {
    std::string ch;
    AppendUtf8(ByteToChar(static_cast<unsigned char>(byte)), &ch);
    auto it = by_token.find(ch);
    b.byte_id_[byte] = it == by_token.end() ? -1 : it->second;
  }

  if (j.contains("unk_token") && !j["unk_token"].is_null()) {
    MINKE_ASSIGN_OR_RETURN(std::string unk, JsonString(j, "unk_token", at));
    auto it = by_token.find(unk);
    if (it == by_token.end()) return JsonError(at, "unk_token '" + unk + "' is not in the vocab");
    b.unk_id_ = it->second;
  }

  // merges: ["a b", ...] (legacy) or [["a", "b"], ...]
  auto mit = j.find("merges");
  if (mit == j.end() || !mit->is_array()) return JsonError(at, "field 'merges' must be an array");
  b.merges_.Reserve(mit->size());
  std::string left, right, merged;
  for (size_t i = 0; i < mit->size(); ++i) {
    const json& m = (*mit)[i];
    const std::string mat = at + ": merges[" + std::to_string(i) + "]";
    if (m.is_string()) {
      const std::string& s = m.get_ref<const std::string&>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        return JsonError(mat, "'" + s + "' is not two tokens separated by one space");
      left = s.substr(0, sp), right = s.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      left = m[0].get<std::string>(), right = m[1].get<std::string>();
    } else {
      return JsonError(mat, "must be \"a b\" or [\"a\", \"b\"]");
    }
    auto a = by_token.find(left), c = by_token.find(right);
    if (a == by_token.end()) return JsonError(mat, "token '" + left + "' is not in the vocab");
    if (c == by_token.end()) return JsonError(mat, "token '" + right + "' is not in the vocab");
    merged = left + right;
    auto n = by_token.find(merged);
    if (n == by_token.end()) return JsonError(mat, "merged token '" + merged + "' is not in the vocab");
    b.merges_.Put(Key(a->second, c->second), Merge{static_cast<uint32_t>(i), n->second});
  }
  return b;
}

std::optional<uint32_t> Bpe::TokenToId(std::string_view token) const {
  std::string bytes;
  if (ByteLevelToBytes(token, &bytes)) {
    auto it = bytes_to_id_.find(bytes);
    if (it != bytes_to_id_.end()) return it->second;
  }
  auto it = other_to_id_.find(std::string(token));
  if (it != other_to_id_.end()) return it->second;
  return std::nullopt;
}

const std::string* Bpe::IdToToken(uint32_t id) const {
  return id < id_kind_.size() && id_kind_[id] != 0 ? &id_to_token_[id] : nullptr;
}

const std::string* Bpe::IdToBytes(uint32_t id) const {
  return id < id_kind_.size() && id_kind_[id] == 1 ? &id_to_bytes_[id] : nullptr;
}

void Bpe::Symbols(std::string_view bytes, std::vector<uint32_t>* syms) const {
  syms->clear();
  bool last_unk = false;
  for (unsigned char c : bytes) {
    const int64_t id = byte_id_[c];
    if (id >= 0) {
      syms->push_back(static_cast<uint32_t>(id));
      last_unk = false;
    } else if (unk_id_) {  // HF: unknown chars become unk (fused if fuse_unk); without unk they vanish
      if (!(fuse_unk_ && last_unk)) syms->push_back(*unk_id_);
      last_unk = true;
    }
  }
}

// Lowest-rank adjacent pair, leftmost among equals, by scanning cached ranks.
void Bpe::MergeScan(std::vector<uint32_t>* syms) const {
  auto& s = *syms;
  constexpr uint32_t kNone = UINT32_MAX;
  uint32_t rank[kScanMaxSymbols], next_id[kScanMaxSymbols];
  auto set_pair = [&](size_t i) {
    const Merge* m = merges_.Get(Key(s[i], s[i + 1]));
    rank[i] = m ? m->rank : kNone;
    next_id[i] = m ? m->new_id : 0;
  };
  for (size_t i = 0; i + 1 < s.size(); ++i) set_pair(i);
  while (s.size() > 1) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < s.size(); ++i)
      if (rank[i] < rank[best]) best = i;
    if (rank[best] == kNone) break;
    s[best] = next_id[best];
    s.erase(s.begin() + best + 1);
    for (size_t i = best + 1; i + 1 < s.size(); ++i) rank[i] = rank[i + 1], next_id[i] = next_id[i + 1];
    if (best + 1 < s.size()) set_pair(best);
    if (best > 0) set_pair(best - 1);
  }
}

// HF word.rs `merge_all`: a min-heap of (rank, position) over a linked list.
void Bpe::MergeHeap(std::vector<uint32_t>* syms) const {
  auto& s = *syms;
  const size_t n = s.size();
  std::vector<int64_t> prev(n), next(n);
  std::vector<bool> gone(n, false);
  for (size_t i = 0; i < n; ++i) prev[i] = static_cast<int64_t>(i) - 1, next[i] = i + 1 < n ? i + 1 : -1;
  struct Item {
    uint32_t rank;
    size_t pos;
    uint32_t new_id;
    bool operator>(const Item& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> q;
  for (size_t i = 0; i + 1 < n; ++i)
    if (const Merge* m = merges_.Get(Key(s[i], s[i + 1]))) q.push({m->rank, i, m->new_id});
  while (!q.empty()) {
    const Item top = q.top();
    q.pop();
    if (gone[top.pos] || next[top.pos] < 0) continue;
    const size_t right = static_cast<size_t>(next[top.pos]);
    const Merge* m = merges_.Get(Key(s[top.pos], s[right]));
    if (m == nullptr || m->new_id != top.new_id) continue;  // stale entry
    s[top.pos] = top.new_id;
    gone[right] = true;
    next[top.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = static_cast<int64_t>(top.pos);
    if (prev[top.pos] >= 0) {
      const size_t p = static_cast<size_t>(prev[top.pos]);
      if (const Merge* pm = merges_.Get(Key(s[p], s[top.pos]))) q.push({pm->rank, p, pm->new_id});
    }
    if (next[top.pos] >= 0) {
      if (const Merge* nm = merges_.Get(Key(s[top.pos], s[next[top.pos]]))) q.push({nm->rank, top.pos, nm->new_id});
    }
  }
  size_t out = 0;
  for (size_t i = 0; i < n; ++i)
    if (!gone[i]) s[out++] = s[i];
  s.resize(out);
}

void Bpe::EncodeWordUncached(std::string_view bytes, bool use_heap, std::vector<uint32_t>* ids) const {
  if (ignore_merges_) {
    auto it = bytes_to_id_.find(std::string(bytes));
    if (it != bytes_to_id_.end()) {
      ids->push_back(it->second);
      return;
    }
  }
  std::vector<uint32_t> syms;
  Symbols(bytes, &syms);
  if (use_heap || syms.size() > kScanMaxSymbols)
    MergeHeap(&syms);
  else
    MergeScan(&syms);
  ids->insert(ids->end(), syms.begin(), syms.end());
}

void Bpe::EncodeWord(std::string_view bytes, std::vector<uint32_t>* ids) const {
  if (bytes.size() > kMaxCachedWordBytes) return EncodeWordUncached(bytes, false, ids);
  WordCache& cache = CacheFor(uid_);
  auto it = cache.map.find(bytes);
  if (it != cache.map.end()) {
    ids->insert(ids->end(), it->second.begin(), it->second.end());
    return;
  }
  const size_t start = ids->size();
  EncodeWordUncached(bytes, false, ids);
  if (cache.map.size() >= kCacheCapacity) cache.map.clear();
  cache.map.emplace(std::string(bytes), std::vector<uint32_t>(ids->begin() + start, ids->end()));
}

}  // namespace minke::tokenizer
