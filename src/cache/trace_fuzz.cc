// libFuzzer target: the cache-trace readers (keys, ARC, LIRS) on arbitrary text.
// Properties: never crashes or allocates without bound; every rejection names the source and line. An ARC line "start count" expands to `count` keys; the reader's request cap
// (lowered here to keep the fuzzer's memory small) bounds the expansion.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "cache/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (auto format : {chinook::cache::TraceFormat::kKeys, chinook::cache::TraceFormat::kArc,
                      chinook::cache::TraceFormat::kLirs}) {
    std::istringstream in(text);
    auto trace = chinook::cache::ReadTrace(in, format, "fuzz.trace", /*max_requests=*/1 << 20);
    // Errors read "fuzz.trace:<line>: why: \"content\"".
    if (!trace.ok() && trace.status().message().rfind("fuzz.trace:", 0) != 0) std::abort();
  }
  return 0;
}
