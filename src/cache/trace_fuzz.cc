// libFuzzer target: the cache-trace readers (keys, ARC, LIRS) on arbitrary text, under limits.
//
// Properties: never crashes, and never allocates beyond what the limits allow (ci/fuzz.sh runs
// with -rss_limit_mb and -malloc_limit_mb, so a memory bomb is a finding); an accepted trace is
// within every limit with dense ids (0..distinct_keys-1, each first used after the one before);
// every rejection names the source and line, and a limit's rejection names the limit.
//
// The limits are the defaults scaled down (so that inputs of a few KB run into every one of them
// and each run stays fast), with the line limit taken from the first byte
// so that lines straddle the reader's buffer in every way. Seeds (fuzz_seeds/trace/) include the
// bomb shapes: ARC lines of millions of blocks, sums of modest lines, huge block numbers, all-new
// keys, a file without a newline.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "cache/trace.h"

namespace {

using chinook::StatusCode;
using chinook::cache::TraceFormat;
using chinook::cache::TraceLimits;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  TraceLimits limits;
  limits.max_requests = TraceLimits{}.max_requests >> 14;               // 4,096
  limits.max_distinct_keys = TraceLimits{}.max_distinct_keys >> 14;     // 1,024
  limits.max_blocks_per_line = TraceLimits{}.max_blocks_per_line >> 8;  // 256
  limits.max_line_bytes = size_t{16} << (data[0] % 7);                  // 16 .. 1,024
  limits.max_memory_bytes = 256 << 10;  // Belady's model reaches it at ~3,600 requests
  limits.replay = {.bytes_per_request = 56, .bytes_per_key = 112};  // Belady's (tools/cachesim)
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (auto format : {TraceFormat::kKeys, TraceFormat::kArc, TraceFormat::kLirs}) {
    std::istringstream in(text);
    auto trace = chinook::cache::ReadTrace(in, format, "fuzz.trace", limits);
    if (!trace.ok()) {
      // Errors read "fuzz.trace:<line>: why ...".
      const std::string& message = trace.status().message();
      Check(message.rfind("fuzz.trace:", 0) == 0);
      if (trace.status().code() == StatusCode::kResourceExhausted) Check(message.find("limit") != std::string::npos);
      continue;
    }
    Check(trace->requests.size() <= limits.max_requests);
    Check(trace->distinct_keys <= limits.max_distinct_keys);
    uint64_t next_new = 0;
    for (uint64_t id : trace->requests) {
      Check(id <= next_new);
      if (id == next_new) ++next_new;
    }
    Check(next_new == trace->distinct_keys);
  }
  return 0;
}
