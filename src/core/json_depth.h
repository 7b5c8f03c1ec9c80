// A guard for JSON from outside: nlohmann's parser is iterative, but dump()
// and other tree walks recurse once per nesting level, so a header like
// [[[[...]]]] 200k deep would overflow the stack in an error message.
// Parsers of untrusted JSON check JsonDepthWithin() before parsing.
#pragma once

#include <string_view>

namespace minke {

// True if no array/object in `text` nests deeper than `max_depth` (brackets
// inside strings are ignored). Does not validate the JSON otherwise.
inline bool JsonDepthWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

// Nesting any real config, header or index needs is far below this.
constexpr int kMaxJsonDepth = 64;

}  // namespace minke
