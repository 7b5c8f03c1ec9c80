#include "infer/think_splitter.h"

#include "infer/stop_strings.h"

namespace minke::infer {

ThinkSplitter::ThinkSplitter(std::string open, std::string close, bool start_inside)
    : open_(std::move(open)), close_(std::move(close)), inside_(start_inside && !open_.empty()) {}

void ThinkSplitter::Push(std::string_view text, const Emit& emit) {
  held_.append(text);
  auto part = [&] { return inside_ ? ReplyPart::kThink : ReplyPart::kAnswer; };
  while (!held_.empty()) {
    const std::string& marker = inside_ ? close_ : open_;
    if (marker.empty()) break;
    const size_t p = held_.find(marker);
    if (p == std::string::npos) {
      // Show all but a tail that may still become the marker.
      const size_t n = held_.size() - PartialMatchLength(held_, marker);
      if (n > 0) emit(part(), std::string_view(held_).substr(0, n));
      held_.erase(0, n);
      return;
    }
    if (p > 0) emit(part(), std::string_view(held_).substr(0, p));
    held_.erase(0, p + marker.size());
    inside_ = !inside_;
  }
  if (!held_.empty()) emit(part(), held_);  // no markers at all
  held_.clear();
}

void ThinkSplitter::Flush(const Emit& emit) {
  if (!held_.empty()) emit(inside_ ? ReplyPart::kThink : ReplyPart::kAnswer, held_);
  held_.clear();
}

}  // namespace minke::infer
