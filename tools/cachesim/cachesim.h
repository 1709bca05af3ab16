// chinook-cachesim: replays a cache trace through LocalCache's policies (and Belady's offline
// optimum) at several capacities and prints the hit rates.
//
//   chinook-cachesim --trace FILE [--format keys|arc|lirs] --capacity N[,N...]
//                    [--policy lru,wtinylfu,wtinylfu-fixed,belady] [--shard-bits N] [--json]
//   chinook-cachesim --generate zipf|scan|loop [--keys N] [--requests N] [--zipf-s S] [--seed N]
//       writes a synthetic trace in LIRS format (one block number per line) to stdout
//
// Exit status: 0 on success, 1 when the trace cannot be read (the message names file and line),
// 2 on a usage error.
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
