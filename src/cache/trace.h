// Cache traces: reading the formats of the cache literature, and generating synthetic ones.
//
// Formats (all line-oriented; blank lines and lines starting with '#' are skipped):
//   keys  one key per line; any text without surrounding whitespace is a key
//   arc   "start count [ignored fields...]": blocks start .. start+count-1, each one request
//         (the format of the ARC paper's traces, Megiddo & Modha 2003)
//   lirs  one non-negative block number per line (the LIRS paper's traces, Jiang & Zhang 2002);
//         a lone '*' line, which some LIRS traces use as a separator, is skipped
// A line that does not fit its format fails the whole read with its line number and content: a
// trace half-read would report a hit rate for a different workload.
//
// Bounds. The reader streams: it holds one buffer of at most 2 x (max_line_bytes + 64 KiB), never
// the file. What it keeps is bounded by TraceLimits, checked as each request is added, so the
// line that crosses a limit is the one named (ResourceExhausted) and nothing beyond the limit is
// ever allocated; an ARC line's expansion is checked against the limits before it is expanded.
//   memory  <= kReadBytesPerRequest x requests + kReadBytesPerKey x distinct keys + the buffer
//           while reading (the request vector as it doubles, the key -> id table);
//           kHeldBytesPerRequest x requests afterwards (the vector alone)
//   time    O(input bytes + requests): one hash-table lookup per request (keys: one MD5 per line)
// Keys of any format become dense ids 0..distinct_keys-1 in order of first appearance, so no
// block number (up to 2^64 - 1) or key length reaches what replays allocate per key, and a keys
// trace costs the same per key whatever the keys' length (keys are told apart by their 128-bit
// MD5; a collision among 2^24 keys has probability ~2^-81).
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

// What a run holds per request and per distinct key: bytes = per_request x requests + per_key x
// keys + fixed. A linear model is enough because every structure a replay builds is a table of
// keys or a sequence of requests (or a heap of them).
struct MemoryModel {
  uint64_t bytes_per_request = 0;
  uint64_t bytes_per_key = 0;
  uint64_t fixed_bytes = 0;
  // Saturates at UINT64_MAX instead of wrapping.
  uint64_t Bytes(uint64_t requests, uint64_t keys) const;
};

// The reader's own footprint (see the file comment): the request vector at its worst moment,
// while it doubles (old + new buffer, 24 B), and the key -> id hash table (node, bucket and the
// bucket array's rehash, ~72 B for a 16-byte digest key; 80 with slack).
inline constexpr uint64_t kReadBytesPerRequest = 24;
inline constexpr uint64_t kReadBytesPerKey = 80;
// The vector after the read: its capacity is at most twice its size.
inline constexpr uint64_t kHeldBytesPerRequest = 16;

// Limits of one read. The defaults admit every trace of the ARC and LIRS collections (the largest,
// DS1, has 43.7 million requests) and bound a read to ~3 GiB whatever the input.
struct TraceLimits {
  // Requests after expansion: the sum over all lines (an ARC line of count c is c requests).
  uint64_t max_requests = uint64_t{1} << 26;  // 67,108,864
  // Blocks one ARC line may name: the traces of the ARC collection name at most 128 (P2, P6);
  // a count in the millions is corruption, refused at its line before it is expanded.
  uint64_t max_blocks_per_line = uint64_t{1} << 16;  // 65,536
  // Distinct keys (blocks for arc and lirs): 18x the 913,347 of the ARC set's P2.
  uint64_t max_distinct_keys = uint64_t{1} << 24;  // 16,777,216
  // Bytes of one line, without its newline: a key, or an ARC/LIRS line, is a few dozen bytes;
  // a file with no newline at all is refused after this many bytes, not read whole.
  size_t max_line_bytes = 4096;
  // Memory budget, 0 for none: the read fails once
  //   max(read footprint, kHeldBytesPerRequest x requests + replay.Bytes(requests, keys))
  // exceeds it, so a caller that states what it will build from the trace (`replay`) learns at
  // the line that asks for it that the run would not fit, before it allocates.
  uint64_t max_memory_bytes = 0;
  MemoryModel replay;
};

// A trace as replays take it.
struct Trace {
  std::vector<uint64_t> requests;  // dense key ids, 0..distinct_keys-1 in order of first use
  uint64_t distinct_keys = 0;
};

// Reads every request of the trace. `source` names the input in error messages ("trace.arc").
// A line that does not parse is InvalidArgument; a limit crossed is ResourceExhausted; both name
// "source:line" and, for a limit, the limit's value. A read error is Unavailable.
Result<Trace> ReadTrace(std::istream& in, TraceFormat format, std::string_view source,
                        const TraceLimits& limits = {});
// The same on a file (a regular file, a pipe or /dev/stdin); a directory is refused.
Result<Trace> ReadTraceFile(const std::string& path, TraceFormat format, const TraceLimits& limits = {});

// Refuses a trace of `requests` requests over `distinct_keys` keys that `limits` would not let
// ReadTrace return (its counts and its memory budget), naming `what` (e.g. "--generate zipf"):
// generators and the tools that size a trace before building it share the reader's bounds.
Status CheckTraceSize(uint64_t requests, uint64_t distinct_keys, const TraceLimits& limits, std::string_view what);

// Zipf-distributed requests over keys 0..num_keys-1 (key k has weight 1/(k+1)^s), drawn by
// inverse CDF from a fixed 64-bit generator, so a seed gives the same trace everywhere.
// Memory: 8 B per key (the CDF) + 8 B per request.
std::vector<uint64_t> ZipfTrace(size_t num_keys, size_t requests, double s, uint64_t seed);

// A Zipf trace polluted by scans: after every `scan_every` requests, `scan_length` requests for
// keys never seen before (as a batch job or a crawler reads cold rows once). Frequency-aware
// policies keep the hot set through the scans; LRU loses it. The trace has
// requests + requests / scan_every x scan_length requests (scan_every 0: no scans).
std::vector<uint64_t> ScanPollutedZipfTrace(size_t num_keys, size_t requests, double s, uint64_t seed,
                                            size_t scan_every, size_t scan_length);

// `repeats` passes over keys 0..loop_length-1 in order: the looping pattern on which LRU gets
// nothing once loop_length exceeds the capacity.
std::vector<uint64_t> LoopTrace(size_t loop_length, size_t repeats);

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_TRACE_H_
