// StopStrings: finds stop strings in streamed text, holding back whatever
// might be the start of one until the next pieces settle it — what
// OpenAI-style servers do, so that a client never sees part of a stop
// string, even one split across tokens ("<|e" + "nd|>").
//
// Push(piece) returns the text that is safe to show now: everything before
// the earliest stop string once one is complete (then stopped() is true and
// further pushes return ""), else everything but the longest tail that is a
// proper prefix of some stop string. Flush() returns the held tail when the
// stream ends without a match. The concatenation of all returns is the
// stream's text cut before the first occurrence of any stop string.
// Pieces must be valid UTF-8 (StreamDecoder's output); the held tail then
// always starts on a character boundary. Not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace minke::infer {

// Length of the longest suffix of `text` that is a proper prefix of
// `needle` (0 if none): how much of `text` might still become `needle`.
size_t PartialMatchLength(std::string_view text, std::string_view needle);

class StopStrings {
 public:
  // Empty strings are ignored (they would match everywhere).
  explicit StopStrings(std::vector<std::string> stops);

  std::string Push(std::string_view piece);
  std::string Flush();

  bool stopped() const { return stopped_; }
  const std::string& matched() const { return matched_; }  // the stop string found

 private:
  std::vector<std::string> stops_;
  std::string held_;  // text not yet returned
  bool stopped_ = false;
  std::string matched_;
};

}  // namespace minke::infer
