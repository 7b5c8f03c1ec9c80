#include "infer/stop_strings.h"

#include <algorithm>

namespace minke::infer {

size_t PartialMatchLength(std::string_view text, std::string_view needle) {
  const size_t most = std::min(text.size(), needle.empty() ? 0 : needle.size() - 1);
  for (size_t n = most; n > 0; --n)
    if (text.substr(text.size() - n) == needle.substr(0, n)) return n;
  return 0;
}

StopStrings::StopStrings(std::vector<std::string> stops) {
  for (std::string& s : stops)
    if (!s.empty()) stops_.push_back(std::move(s));
}

std::string StopStrings::Push(std::string_view piece) {
  if (stopped_) return "";
  held_.append(piece);
  // No stop string can begin inside text already returned: a tail that could
  // have begun one was held, so searching the held text alone is enough.
  size_t first = std::string::npos;
  for (const std::string& s : stops_) {
    const size_t p = held_.find(s);
    if (p < first) first = p, matched_ = s;
  }
  if (first != std::string::npos) {
    stopped_ = true;
    std::string out = held_.substr(0, first);
    held_.clear();
    return out;
  }
  size_t keep = 0;
  for (const std::string& s : stops_) keep = std::max(keep, PartialMatchLength(held_, s));
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

std::string StopStrings::Flush() {
  std::string out;
  if (!stopped_) out.swap(held_);
  held_.clear();
  return out;
}

}  // namespace minke::infer
