// Cache traces: reading the formats of the cache literature, and generating synthetic ones.
//
// Formats (all line-oriented; blank lines and lines starting with '#' are skipped):
//   keys  one key per line; any text without surrounding whitespace is a key (mapped to dense ids)
//   arc   "start count [ignored fields...]": blocks start .. start+count-1, each one request
//         (the format of the ARC paper's traces, Megiddo & Modha 2003)
//   lirs  one non-negative block number per line (the LIRS paper's traces, Jiang & Zhang 2002);
//         a lone '*' line, which some LIRS traces use as a separator, is skipped
// A line that does not fit its format fails the whole read with its line number and content: a
// trace half-read would report a hit rate for a different workload.
//
// Thread safety: pure functions.
#ifndef CHINOOK_CACHE_TRACE_H_
#define CHINOOK_CACHE_TRACE_H_

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "chinook/status.h"

namespace chinook::cache {

enum class TraceFormat { kKeys, kArc, kLirs };

// "keys", "arc" or "lirs".
Result<TraceFormat> ParseTraceFormat(std::string_view name);

// Requests a trace may expand to before ReadTrace refuses it (8 bytes each in memory): far above
// the literature's traces (tens of millions), far below what a corrupt ARC count could ask for.
inline constexpr uint64_t kMaxTraceRequests = uint64_t{1} << 30;

// Reads every request of the trace. `source` names the input in error messages ("trace.arc").
// A trace of more than `max_requests` requests is InvalidArgument, naming the line.
Result<std::vector<uint64_t>> ReadTrace(std::istream& in, TraceFormat format, std::string_view source,
                                        uint64_t max_requests = kMaxTraceRequests);
Result<std::vector<uint64_t>> ReadTraceFile(const std::string& path, TraceFormat format);

// Zipf-distributed requests over keys 0..num_keys-1 (key k has weight 1/(k+1)^s), drawn by
// inverse CDF from a fixed 64-bit generator, so a seed gives the same trace everywhere.
std::vector<uint64_t> ZipfTrace(size_t num_keys, size_t requests, double s, uint64_t seed);

// A Zipf trace polluted by scans: after every `scan_every` requests, `scan_length` requests for
// keys never seen before (as a batch job or a crawler reads cold rows once). Frequency-aware
// policies keep the hot set through the scans; LRU loses it.
std::vector<uint64_t> ScanPollutedZipfTrace(size_t num_keys, size_t requests, double s, uint64_t seed,
                                            size_t scan_every, size_t scan_length);

// `repeats` passes over keys 0..loop_length-1 in order: the looping pattern on which LRU gets
// nothing once loop_length exceeds the capacity.
std::vector<uint64_t> LoopTrace(size_t loop_length, size_t repeats);

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_TRACE_H_
