// Near-duplicate detection with MinHash (Broder 1997) and LSH banding.
//
// Shingles: a document's words are the maximal runs of ASCII letters/digits
// and non-ASCII bytes (other ASCII characters separate words), lower-cased;
// a shingle is n consecutive words (a shorter document is one shingle of all
// its words). Each shingle is hashed to 64 bits (Hash64).
// Signature: for permutation i, h_i(x) = (a_i * x + b_i) >> 32 (mod 2^64,
// multiply-shift, a_i odd), and sig[i] = min over shingles. a_i, b_i come
// from SplitMix64(seed), so signatures are the same on every run.
// Pr[sig_A[i] == sig_B[i]] ~= Jaccard(A, B); with P = bands * rows
// permutations the estimate's standard deviation is sqrt(J(1-J)/P).
// LSH: the signature is cut into `bands` bands of `rows` values; two
// documents are candidates when some band matches exactly, which happens
// with probability 1 - (1 - J^rows)^bands (the S-curve; threshold about
// (1/bands)^(1/rows)). A candidate counts as a near-duplicate only if the
// signatures' estimated Jaccard is >= the threshold.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "data/flat_hash.h"

namespace minke::data {

struct MinHashParams {
  int shingle_words = 5;
  int bands = 14;
  int rows = 8;
  double threshold = 0.8;  // estimated Jaccard at or above which a candidate is a duplicate
  uint64_t seed = 1;
  int num_perm() const { return bands * rows; }
};

class MinHasher {
 public:
  explicit MinHasher(const MinHashParams& p);
  int num_perm() const { return static_cast<int>(a_.size()); }

  // The shingle hashes of text, in order (repeats included).
  void Shingles(std::string_view text, std::vector<uint64_t>* out) const;
  // sig must hold num_perm() values. Returns false (sig all 0xFFFFFFFF) for
  // a text without words. Uses *shingles as scratch.
  bool Signature(std::string_view text, uint32_t* sig, std::vector<uint64_t>* shingles) const;

 private:
  int shingle_words_;
  std::vector<uint64_t> a_, b_;
};

// Fraction of equal positions: the MinHash estimate of Jaccard similarity.
double EstimateJaccard(const uint32_t* a, const uint32_t* b, int n);
// Exact Jaccard similarity of two texts' shingle sets (the oracle in tests).
double ExactJaccard(const MinHasher& h, std::string_view a, std::string_view b);

// An LSH index over the signatures of the documents kept so far.
// Not thread-safe: the pipeline queries and adds in input order.
class LshIndex {
 public:
  explicit LshIndex(const MinHashParams& p);
  // The id of the first indexed signature (in band order, then newest
  // first within a bucket) sharing a band with sig and with estimated
  // Jaccard >= threshold; -1 if none. *estimate receives its estimate.
  int64_t Query(const uint32_t* sig, double* estimate) const;
  // Indexes sig and returns its id (0, 1, 2, ...).
  uint32_t Add(const uint32_t* sig);
  size_t size() const { return count_; }

 private:
  uint64_t BandKey(const uint32_t* sig, int band) const;
  int bands_, rows_;
  double threshold_;
  size_t count_ = 0;
  std::vector<uint32_t> sigs_;  // count_ x (bands * rows)
  std::vector<U64Map> heads_;   // per band: key -> newest id + 1
  std::vector<uint32_t> next_;  // [id * bands + band] -> older id + 1 in the same bucket, 0 = none
};

}  // namespace minke::data
