// Open-addressing hash tables keyed by 64-bit hashes (linear probing, power-
// of-two capacity), small and cache-friendly where std::unordered_map's
// nodes would dominate: per-document n-gram counting and the corpus-wide
// dedup indexes. Keys are already hashes; key 0 is remapped so it can mark
// an empty slot. Not thread-safe; each thread owns its tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace minke::data {

inline uint64_t NonZeroKey(uint64_t k) { return k ? k : 0x9e3779b97f4a7c15ULL; }

// Counts occurrences of keys within one document; Reset() before each use.
class CountTable {
 public:
  struct Entry {
    uint64_t key;
    uint32_t count;
    uint32_t first;  // index at which the key was first added
  };
  // Makes room for `expected` distinct keys and empties the table.
  void Reset(size_t expected) {
    size_t cap = 16;
    while (cap < 2 * expected) cap *= 2;
    if (slots_.size() < cap) slots_.resize(cap);
    mask_ = cap - 1;
    for (size_t i = 0; i < cap; ++i) slots_[i].key = 0;
  }
  // Adds one occurrence; returns the entry with its updated count.
  // REQUIRES: fewer than Reset(expected) distinct keys added so far.
  const Entry& Add(uint64_t key, uint32_t index) {
    key = NonZeroKey(key);
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
      Entry& e = slots_[i];
      if (e.key == key) {
        ++e.count;
        return e;
      }
      if (e.key == 0) {
        e = {key, 1, index};
        return e;
      }
    }
  }

 private:
  std::vector<Entry> slots_;
  size_t mask_ = 0;
};

// A growable map from 64-bit key to a 32-bit value.
class U64Map {
 public:
  // Returns the value stored for key, or nullptr.
  const uint32_t* Find(uint64_t key) const {
    if (slots_.empty()) return nullptr;
    key = NonZeroKey(key);
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i].value;
      if (slots_[i].key == 0) return nullptr;
    }
  }
  // Sets key -> value (inserting or overwriting).
  void Put(uint64_t key, uint32_t value) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    key = NonZeroKey(key);
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) {
        slots_[i].value = value;
        return;
      }
      if (slots_[i].key == 0) {
        slots_[i] = {key, value};
        ++size_;
        return;
      }
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t value = 0;
  };
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Slot& s : old)
      if (s.key) Put(s.key, s.value);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
};

// A growable map from 128-bit content hashes to a 32-bit value (exact
// deduplication: text hash -> index of the kept document).
class Hash128Map {
 public:
  const uint32_t* Find(uint64_t a, uint64_t b) const {
    if (slots_.empty()) return nullptr;
    a = NonZeroKey(a);
    for (size_t i = a & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].a == a && slots_[i].b == b) return &slots_[i].value;
      if (slots_[i].a == 0) return nullptr;
    }
  }
  // REQUIRES: (a, b) not present.
  void Insert(uint64_t a, uint64_t b, uint32_t value) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    a = NonZeroKey(a);
    size_t i = a & mask_;
    while (slots_[i].a != 0) i = (i + 1) & mask_;
    slots_[i] = {a, b, value};
    ++size_;
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t a = 0, b = 0;
    uint32_t value = 0;
  };
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Slot& s : old)
      if (s.a) Insert(s.a, s.b, s.value);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
};

}  // namespace minke::data
