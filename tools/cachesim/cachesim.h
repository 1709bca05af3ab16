// chinook-cachesim: replays a cache trace through LocalCache's policies (and Belady's offline
// optimum) at several capacities and prints the hit rates.
//
//   chinook-cachesim --trace FILE [--format keys|arc|lirs] --capacity N[,N...]
//                    [--policy lru,wtinylfu,wtinylfu-fixed,belady] [--shard-bits N] [--json]
//                    [--max-requests N] [--max-keys N] [--max-blocks-per-line N]
//                    [--max-line-bytes N] [--max-memory-mb N] [--max-replayed N]
//   chinook-cachesim --generate zipf|scan|loop [--keys N] [--requests N] [--zipf-s S] [--seed N]
//       writes a synthetic trace in LIRS format (one block number per line) to stdout
//   chinook-cachesim --help
//
// Bounded by construction (run_limits.h): the trace is streamed and every request and new key
// is checked against the limits as it is read, so a run's memory is at most --max-memory-mb by
// the model of the chosen policies (and at most ~3 GiB for the reading whatever the flags), and its
// replay at most --max-replayed requests; a trace that asks for more is refused at its line,
// with the limit's value and flag. Generated traces are sized against the same limits first.
//
// Exit status: 0 on success; 1 when the trace cannot be read or passes a limit (the message
// names file, line and limit), or, as a last resort, when memory runs out within the limits
// (std::bad_alloc is caught, never an abort); 2 on a usage error (the usage follows).
//
// Thread safety: RunCachesim is reentrant (it shares nothing between calls).
#ifndef CHINOOK_TOOLS_CACHESIM_CACHESIM_H_
#define CHINOOK_TOOLS_CACHESIM_CACHESIM_H_

#include <ostream>
#include <string>
#include <vector>

namespace chinook::cachesim {

// Runs the tool on `args` (without the program name).
int RunCachesim(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace chinook::cachesim

#endif  // CHINOOK_TOOLS_CACHESIM_CACHESIM_H_
