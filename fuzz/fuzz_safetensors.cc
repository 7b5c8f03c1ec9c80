// libFuzzer target: the safetensors header/parser must reject any byte
// string cleanly (a Status, never a crash, hang or out-of-bounds read).
// When a file parses, every tensor view must lie inside the input.
#include <cstdint>
#include <cstdlib>

#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = minke::io::ParseSafetensors(data, size, "fuzz");
  if (!r.ok()) return 0;
  for (const auto& [name, v] : r->tensors) {
    const auto* p = static_cast<const uint8_t*>(v.data);
    if (p < data || p + v.nbytes() > data + size) std::abort();
  }
  return 0;
}
