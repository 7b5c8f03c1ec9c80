#include "serve/text_stream.h"

#include <algorithm>

#include "infer/stop_strings.h"

namespace minke::serve {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

ReasoningSplitter::ReasoningSplitter(std::string open, std::string close, bool starts_in_reasoning)
    : open_(std::move(open)), close_(std::move(close)) {
  if (open_.empty() || close_.empty())
    state_ = State::kContent;
  else
    state_ = starts_in_reasoning ? State::kReasoning : State::kStart;
}

void ReasoningSplitter::Run(SplitText* out) {
  for (;;) {
    switch (state_) {
      case State::kStart: {
        size_t i = 0;
        while (i < held_.size() && IsSpace(held_[i])) ++i;
        std::string_view rest = std::string_view(held_).substr(i);
        if (rest.size() >= open_.size() && rest.substr(0, open_.size()) == open_) {
          held_.erase(0, i + open_.size());
          state_ = State::kReasoning;
          continue;
        }
        if (rest.size() < open_.size() && open_.compare(0, rest.size(), rest) == 0) return;  // may still open
        state_ = State::kContent;
        continue;
      }
      case State::kReasoning: {
        const size_t at = held_.find(close_);
        if (at != std::string::npos) {
          out->reasoning += held_.substr(0, at);
          held_.erase(0, at + close_.size());
          state_ = State::kAfterClose;
          continue;
        }
        const size_t keep = infer::PartialMatchLength(held_, close_);
        out->reasoning += held_.substr(0, held_.size() - keep);
        held_.erase(0, held_.size() - keep);
        return;
      }
      case State::kAfterClose: {
        size_t i = 0;
        while (i < held_.size() && IsSpace(held_[i])) ++i;
        held_.erase(0, i);
        if (held_.empty()) return;
        state_ = State::kContent;
        continue;
      }
      case State::kContent:
        out->content += held_;
        held_.clear();
        return;
    }
  }
}

SplitText ReasoningSplitter::Push(std::string_view text) {
  held_.append(text);
  SplitText out;
  Run(&out);
  return out;
}

SplitText ReasoningSplitter::Flush() {
  SplitText out;
  if (state_ == State::kReasoning)
    out.reasoning.swap(held_);
  else if (state_ != State::kAfterClose)
    out.content.swap(held_);
  held_.clear();
  return out;
}

}  // namespace minke::serve
