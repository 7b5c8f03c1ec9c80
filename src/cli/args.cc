#include <cerrno>
#include <climits>
#include <cstdlib>
#include <sstream>

#include "cli/commands.h"

namespace minke::cli {

Result<std::vector<int32_t>> ParseTokenList(const std::string& s, const std::string& flag) {
  std::vector<int32_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno != 0 || v < 0 || v > INT32_MAX)
      return Status::Error(flag + ": '" + item + "' is not a token id");
    out.push_back(static_cast<int32_t>(v));
  }
  if (out.empty()) return Status::Error(flag + ": no token ids given");
  return out;
}

}  // namespace minke::cli
