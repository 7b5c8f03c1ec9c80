#include "serve/text_stream.h"

#include <algorithm>

namespace minke::serve {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

size_t PartialSuffix(std::string_view text, std::string_view marker) {
  const size_t most = std::min(text.size(), marker.empty() ? size_t{0} : marker.size() - 1);
  for (size_t n = most; n > 0; --n)
    if (text.substr(text.size() - n) == marker.substr(0, n)) return n;
  return 0;
}

std::string StopMatcher::Push(std::string_view text) {
  if (stopped_) return "";
  held_.append(text);
  size_t first = std::string::npos;
  for (const std::string& s : stops_) first = std::min(first, held_.find(s));
  if (first != std::string::npos) {
    stopped_ = true;
    std::string out = held_.substr(0, first);
    held_.clear();
    return out;
  }
  size_t keep = 0;
  for (const std::string& s : stops_) keep = std::max(keep, PartialSuffix(held_, s));
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

std::string StopMatcher::Flush() {
  std::string out;
  if (!stopped_) out.swap(held_);
  return out;
}

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
        const size_t keep = PartialSuffix(held_, close_);
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
