// libFuzzer target: the OpenAI request parser never crashes, and every
// rejection is an error object with a message and a 4xx status.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "serve/request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (auto endpoint : {minke::serve::Endpoint::kChat, minke::serve::Endpoint::kCompletions}) {
    minke::serve::CompletionRequest req;
    minke::serve::ApiError err;
    if (!minke::serve::ParseRequest(body, endpoint, minke::serve::ParseLimits(), &req, &err)) {
      if (err.message.empty() || err.status < 400 || err.status >= 500) std::abort();
      (void)err.ToJson();
    }
  }
  return 0;
}
