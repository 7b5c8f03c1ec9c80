#include "tokenizer/unicode_norm.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "tokenizer/utf8.h"

namespace minke::tokenizer {
namespace {

struct DecompEntry {
  char32_t cp;
  uint32_t offset;
  uint32_t length;
};
struct CccEntry {
  char32_t cp;
  uint8_t ccc;
};
struct CompEntry {
  char32_t first, second, composite;
};

#include "tokenizer/unicode_norm.inc"

// Hangul syllable arithmetic (Unicode §3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

// Every code point below U+0300 is a starter that never composes with what
// precedes it, so a run of them needs no work in NFC.
constexpr char32_t kFirstInteresting = 0x300;

template <typename T, size_t N>
const T* Find(const T (&table)[N], char32_t cp) {
  const T* it = std::lower_bound(table, table + N, cp, [](const T& e, char32_t c) { return e.cp < c; });
  return it != table + N && it->cp == cp ? it : nullptr;
}

uint8_t Ccc(char32_t cp) {
  if (cp < kFirstInteresting) return 0;
  const CccEntry* e = Find(kCcc, cp);
  return e ? e->ccc : 0;
}

void Decompose(char32_t cp, bool compat, std::vector<char32_t>* out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s = cp - kSBase;
    out->push_back(kLBase + s / kNCount);
    out->push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount) out->push_back(kTBase + s % kTCount);
    return;
  }
  if (cp >= 0xA0) {  // nothing below U+00A0 decomposes
    const DecompEntry* e = compat ? Find(kCompat, cp) : nullptr;
    const char32_t* pool = kCompatPool;
    if (e == nullptr) e = Find(kCanonical, cp), pool = kCanonicalPool;
    if (e != nullptr) {
      out->insert(out->end(), pool + e->offset, pool + e->offset + e->length);
      return;
    }
  }
  out->push_back(cp);
}

// The primary composite of (a, b), or 0.
char32_t Compose(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount)
    return a + (b - kTBase);
  const CompEntry* end = kCompositions + sizeof kCompositions / sizeof kCompositions[0];
  const CompEntry* it = std::lower_bound(kCompositions, end, std::make_pair(a, b), [](const CompEntry& e, auto key) {
    return e.first != key.first ? e.first < key.first : e.second < key.second;
  });
  return it != end && it->first == a && it->second == b ? it->composite : 0;
}

// Canonical ordering: stable sort of each run of non-starters by class.
void Reorder(std::vector<char32_t>* cps) {
  auto& v = *cps;
  for (size_t i = 0; i < v.size();) {
    if (Ccc(v[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < v.size() && Ccc(v[j]) != 0) ++j;
    std::stable_sort(v.begin() + i, v.begin() + j, [](char32_t a, char32_t b) { return Ccc(a) < Ccc(b); });
    i = j;
  }
}

// Canonical composition (UAX #15 §1.3): a character combines with the last
// starter unless a character between them is blocking it.
void ComposeAll(std::vector<char32_t>* cps) {
  auto& v = *cps;
  if (v.empty()) return;
  size_t starter = SIZE_MAX, out = 0;
  int last_ccc = -1;
  for (size_t i = 0; i < v.size(); ++i) {
    const char32_t c = v[i];
    const int ccc = Ccc(c);
    if (starter != SIZE_MAX && (last_ccc < ccc || (last_ccc == 0 && out == starter + 1))) {
      if (char32_t comp = Compose(v[starter], c)) {
        v[starter] = comp;
        continue;
      }
    }
    if (ccc == 0)
      starter = out, last_ccc = 0;
    else
      last_ccc = ccc;
    v[out++] = c;
  }
  v.resize(out);
}

}  // namespace

void UnicodeNormalize(std::string_view text, bool compat, bool compose, std::string* out) {
  out->clear();
  out->reserve(text.size());
  std::vector<char32_t> seg;
  // Segments start at each code point below U+0300 (a boundary no step crosses).
  size_t i = 0;
  while (i < text.size()) {
    size_t len;
    char32_t cp = DecodeUtf8At(text, i, &len);
    size_t j = i + len;
    bool simple = cp < kFirstInteresting;
    while (j < text.size()) {
      size_t l2;
      if (DecodeUtf8At(text, j, &l2) < kFirstInteresting) break;
      simple = false;
      j += l2;
    }
    if (simple && (compose && !compat ? true : cp < 0xA0)) {  // NFC keeps a lone char < U+0300
      out->append(text.substr(i, j - i));
      i = j;
      continue;
    }
    seg.clear();
    for (size_t k = i; k < j; k += len) Decompose(DecodeUtf8At(text, k, &len), compat, &seg);
    Reorder(&seg);
    if (compose) ComposeAll(&seg);
    for (char32_t c : seg) AppendUtf8(c, out);
    i = j;
  }
}

}  // namespace minke::tokenizer
