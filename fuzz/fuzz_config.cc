// libFuzzer target: config.json parsing and validation never crash.
#include <cstdint>
#include <string>

#include "model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = minke::model::ParseModelConfig(std::string(reinterpret_cast<const char*>(data), size));
  (void)r;
  return 0;
}
