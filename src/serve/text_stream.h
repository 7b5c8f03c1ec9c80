// Incremental text filters for generated output, both fed piece by piece
// as tokens decode and both holding back only what a later piece could
// still change:
//
// StopMatcher finds OpenAI `stop` strings. Text that could be the start of a
// stop string is held back until it is clear; the stop string and anything
// after it are never emitted.
//
// ReasoningSplitter separates an R1-style model's reasoning from its answer,
// as DeepSeek's API returns them (`reasoning_content` beside `content`):
// "<think>" ... "</think>" goes to reasoning. A model whose prompt already
// ended with the open marker (the R1 template's generation prompt) starts in
// reasoning; otherwise an open marker at the very start of the output (after
// whitespace) enters it. Whitespace right after the close marker is dropped
// (R1 writes "</think>\n\n" before the answer).
//
// Both work on valid UTF-8 and split only at boundaries of their (valid
// UTF-8) markers, so they never cut a character. Not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace minke::serve {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}

  // Appends `text`; returns what can be emitted now. Once a stop string is
  // seen, stopped() is true and later calls return "".
  std::string Push(std::string_view text);
  // The held-back text (at the end of generation without a stop).
  std::string Flush();
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string held_;
  bool stopped_ = false;
};

struct SplitText {
  std::string reasoning, content;
};

class ReasoningSplitter {
 public:
  // Empty markers: everything is content.
  ReasoningSplitter(std::string open, std::string close, bool starts_in_reasoning);

  SplitText Push(std::string_view text);
  SplitText Flush();

 private:
  enum class State { kStart, kReasoning, kAfterClose, kContent };
  void Run(SplitText* out);

  std::string open_, close_;
  State state_;
  std::string held_;
};

// The longest suffix of `text` that is a proper prefix of `marker` (its length).
size_t PartialSuffix(std::string_view text, std::string_view marker);

}  // namespace minke::serve
