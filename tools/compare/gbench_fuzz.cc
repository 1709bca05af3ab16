// libFuzzer target: the Google Benchmark JSON reader (and the JSON parser under it) on arbitrary
// text. Property: never crashes, hangs or overflows the stack; every rejection carries a message.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gbench.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto run = chinook::compare::ReadBenchmarkJson(text, "fuzz.json");
  if (!run.ok() && run.status().message().empty()) std::abort();
  return 0;
}
