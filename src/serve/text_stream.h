// Incremental text filters for generated output, both fed piece by piece
// as tokens decode and both holding back only what a later piece could
// still change:
//
// (Stop strings are infer::StopStrings, shared with `minke generate`.)
//
// ReasoningSplitter separates an R1-style model's reasoning from its answer,
// as DeepSeek's API returns them (`reasoning_content` beside `content`):
// "<think>" ... "</think>" goes to reasoning. A model whose prompt already
// ended with the open marker (the R1 template's generation prompt) starts in
// reasoning; otherwise an open marker at the very start of the output (after
// whitespace) enters it. Whitespace right after the close marker is dropped
// (R1 writes "</think>\n\n" before the answer).
//
// It works on valid UTF-8 and split only at boundaries of their (valid
// UTF-8) markers, so they never cut a character. Not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace minke::serve {

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

}  // namespace minke::serve
