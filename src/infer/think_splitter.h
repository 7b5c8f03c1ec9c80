// ThinkSplitter: splits a streamed reply of a reasoning model (DeepSeek-R1)
// into its reasoning part — between "<think>" and "</think>" — and its
// answer, so that a front end can show the two distinctly. The markers
// themselves are removed; a marker split across tokens ("</th" + "ink>") is
// held back until it is complete or ruled out (like stop strings). R1
// templates open the reasoning in the prompt ("<｜Assistant｜><think>\n"),
// so the reply starts inside it: `start_inside`.
// Not thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace minke::infer {

enum class ReplyPart { kThink, kAnswer };

class ThinkSplitter {
 public:
  using Emit = std::function<void(ReplyPart, std::string_view)>;

  // Empty markers: everything is answer.
  ThinkSplitter(std::string open, std::string close, bool start_inside);

  // Calls emit for each settled run of text (never empty), in order.
  void Push(std::string_view text, const Emit& emit);
  // Emits what is held back (the stream has ended).
  void Flush(const Emit& emit);

  bool inside() const { return inside_; }

 private:
  std::string open_, close_;
  bool inside_;
  std::string held_;
};

}  // namespace minke::infer
