// chinook-cachesim's output: the hit-rate table (capacity x policy, with our policy against the
// best rival and LRU) and the SVG chart of hit rate against capacity that `--svg` writes.
//
// Thread safety: pure functions.
#ifndef CHINOOK_TOOLS_CACHESIM_REPORT_H_
#define CHINOOK_TOOLS_CACHESIM_REPORT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "cache/simulation.h"
#include "chinook/status.h"

namespace chinook::cachesim {

struct ResultRow {
  size_t capacity;
  cache::SimulatedPolicy policy;
  cache::SimulationResult result;
};

// The policies the production policy is judged against (issue 12): the best of these on a cell is
// the bar; LRU is the floor; Belady is a ceiling, not a rival.
bool IsRival(cache::SimulatedPolicy policy);

// One line per capacity, one column per policy (in `policies` order). When the table holds
// wtinylfu and at least one rival, three more columns: the best rival, wtinylfu minus it, and
// wtinylfu minus LRU (in points of hit rate).
std::string FormatTable(const std::vector<ResultRow>& rows, const std::vector<cache::SimulatedPolicy>& policies,
                        const std::vector<size_t>& capacities);

// A self-contained SVG line chart: hit rate (y, 0..1) against capacity (x, logarithmic when the
// capacities span more than a factor of 10), one line per policy, `title` above.
std::string RenderSvgChart(const std::string& title, const std::vector<ResultRow>& rows,
                           const std::vector<cache::SimulatedPolicy>& policies,
                           const std::vector<size_t>& capacities);

// Writes `content` to `path` through a temporary file renamed into place, so that a failed write
// leaves no partial file behind. The error names the path.
Status WriteFileAtomically(const std::string& path, const std::string& content);
// Whether WriteFileAtomically could create its temporary file next to `path` (checked before a
// long replay, so that a typo in the path fails at once). Leaves nothing behind.
Status CheckWritable(const std::string& path);

}  // namespace chinook::cachesim

#endif  // CHINOOK_TOOLS_CACHESIM_REPORT_H_
