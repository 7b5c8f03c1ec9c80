#include "data/minhash.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "data/hash.h"

namespace minke::data {
namespace {

bool WordByte(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

// Search at most this many bucket entries per band: bounds the time on
// pathological corpora (thousands of colliding documents) while staying
// deterministic.
constexpr int kMaxCandidatesPerBand = 64;

}  // namespace

MinHasher::MinHasher(const MinHashParams& p) : shingle_words_(std::max(1, p.shingle_words)) {
  uint64_t state = p.seed;
  for (int i = 0; i < p.num_perm(); ++i) {
    a_.push_back(SplitMix64(&state) | 1);
    b_.push_back(SplitMix64(&state));
  }
}

void MinHasher::Shingles(std::string_view text, std::vector<uint64_t>* out) const {
  out->clear();
  std::vector<uint64_t>& words = *out;  // word hashes first, then shingles in place
  char buf[64];
  std::string long_word;
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && !WordByte(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && WordByte(text[i])) ++i;
    if (i == start) continue;
    const size_t len = i - start;
    char* w = buf;
    if (len > sizeof buf) long_word.resize(len), w = long_word.data();
    for (size_t k = 0; k < len; ++k) {
      const unsigned char c = text[start + k];
      w[k] = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    }
    words.push_back(Hash64(w, len));
  }
  if (words.empty()) return;
  const size_t n = std::min<size_t>(shingle_words_, words.size());
  const size_t count = words.size() - n + 1;
  for (size_t i = 0; i < count; ++i) words[i] = Hash64(&words[i], n * sizeof(uint64_t), 0x5eed);
  words.resize(count);
}

bool MinHasher::Signature(std::string_view text, uint32_t* sig, std::vector<uint64_t>* shingles) const {
  const int p = num_perm();
  std::fill(sig, sig + p, 0xFFFFFFFFu);
  Shingles(text, shingles);
  if (shingles->empty()) return false;
  const uint64_t* a = a_.data();
  const uint64_t* b = b_.data();
  for (uint64_t x : *shingles)
    for (int i = 0; i < p; ++i) sig[i] = std::min(sig[i], static_cast<uint32_t>((a[i] * x + b[i]) >> 32));
  return true;
}

double EstimateJaccard(const uint32_t* a, const uint32_t* b, int n) {
  int eq = 0;
  for (int i = 0; i < n; ++i) eq += a[i] == b[i];
  return n ? static_cast<double>(eq) / n : 0.0;
}

double ExactJaccard(const MinHasher& h, std::string_view a, std::string_view b) {
  std::vector<uint64_t> sa, sb, both;
  h.Shingles(a, &sa);
  h.Shingles(b, &sb);
  for (auto* v : {&sa, &sb}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(both));
  const size_t uni = sa.size() + sb.size() - both.size();
  return uni ? static_cast<double>(both.size()) / uni : 1.0;
}

LshIndex::LshIndex(const MinHashParams& p)
    : bands_(p.bands), rows_(p.rows), threshold_(p.threshold), heads_(static_cast<size_t>(p.bands)) {}

uint64_t LshIndex::BandKey(const uint32_t* sig, int band) const {
  return Hash64(sig + static_cast<size_t>(band) * rows_, rows_ * sizeof(uint32_t), static_cast<uint64_t>(band));
}

int64_t LshIndex::Query(const uint32_t* sig, double* estimate) const {
  const int p = bands_ * rows_;
  for (int band = 0; band < bands_; ++band) {
    const uint32_t* head = heads_[band].Find(BandKey(sig, band));
    int seen = 0;
    for (uint32_t id1 = head ? *head : 0; id1 != 0 && seen < kMaxCandidatesPerBand; ++seen) {
      const uint32_t id = id1 - 1;
      const double est = EstimateJaccard(sig, &sigs_[static_cast<size_t>(id) * p], p);
      if (est >= threshold_) {
        *estimate = est;
        return id;
      }
      id1 = next_[static_cast<size_t>(id) * bands_ + band];
    }
  }
  return -1;
}

uint32_t LshIndex::Add(const uint32_t* sig) {
  const int p = bands_ * rows_;
  const uint32_t id = static_cast<uint32_t>(count_++);
  sigs_.insert(sigs_.end(), sig, sig + p);
  for (int band = 0; band < bands_; ++band) {
    const uint64_t key = BandKey(sig, band);
    const uint32_t* head = heads_[band].Find(key);
    next_.push_back(head ? *head : 0);
    heads_[band].Put(key, id + 1);
  }
  return id;
}

}  // namespace minke::data
