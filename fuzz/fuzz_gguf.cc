// libFuzzer target: the GGUF parser must reject any byte string cleanly (a
// Status, never a crash, hang or out-of-bounds read). When a file parses,
// every tensor's bytes must lie inside the input.
#include <cstdint>
#include <cstdlib>

#include "io/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = minke::io::ParseGguf(data, size, "fuzz");
  if (!r.ok()) return 0;
  for (const auto& t : r->tensors)
    if (t.data < data || t.nbytes > size || t.data + t.nbytes > data + size) std::abort();
  return 0;
}
