// The slowdown of the trial programs, and their seeded data.
//
// Each trial program is built several times (tools/compare/trials/CMakeLists.txt): with 0 (the
// base build), 2, 5 and 10 percent. Exactly one benchmark of each program, its target, calls
// Scaled() or ExtraOps and so does that much more of its own work; the other benchmarks are the
// same code in every build.
//
// The same code, also to the byte: the percentage is a constant defined in slowdown_pct.cc, the
// only file compiled per build (CHINOOK_TRIALS_SLOWDOWN_PCT), so the program's own object and the
// whole .text are identical in every build. With the percentage a compile-time constant in the
// program's source, each build laid its code out differently and the layout alone moved an
// untouched benchmark by 12.7% (BM_Parse_Ints, text-10 against text-0, 16 processes each: every
// process of one build faster than every process of the other), which `ab` rightly flagged.
//
// More work is rarely exactly that much more time (caches, branch predictors, the allocator), so
// the trial script measures the true effect of each build over many processes instead of
// assuming it.
//
// Thread safety: Scaled() and Rng are plain functions/values; an ExtraOps belongs to one thread.
#ifndef CHINOOK_TOOLS_COMPARE_TRIALS_SLOWDOWN_H_
#define CHINOOK_TOOLS_COMPARE_TRIALS_SLOWDOWN_H_

#include <cstddef>
#include <cstdint>

namespace chinook::trials {

// Extra work of the target benchmark in this build, percent of its own work (0-100).
extern const int kSlowdownPct;

// Items the target processes per iteration when the base build processes n: n plus kSlowdownPct
// percent of n, rounded to the nearest item. REQUIRES: n large enough (>= 50) that the rounding
// does not change the effect much.
inline size_t Scaled(size_t n) { return n + (n * static_cast<size_t>(kSlowdownPct) + 50) / 100; }

// For a target whose iteration is one operation: Next() says whether this iteration repeats the
// operation once more, so that over many iterations kSlowdownPct percent of them do.
class ExtraOps {
 public:
  bool Next() {
    credit_ += kSlowdownPct;
    if (credit_ < 100) return false;
    credit_ -= 100;
    return true;
  }

 private:
  int credit_ = 0;
};

// SplitMix64: the programs' data come from fixed seeds, so every build and every process works on
// the same input.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  uint64_t state_;
};

}  // namespace chinook::trials

#endif  // CHINOOK_TOOLS_COMPARE_TRIALS_SLOWDOWN_H_
