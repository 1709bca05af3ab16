// The one file compiled differently per trial build: see slowdown.h for why the percentage lives
// here and not in the programs' own sources.
#include "slowdown.h"

#ifndef CHINOOK_TRIALS_SLOWDOWN_PCT
#error "CHINOOK_TRIALS_SLOWDOWN_PCT must be set (0 for the base build)"
#endif
static_assert(CHINOOK_TRIALS_SLOWDOWN_PCT >= 0 && CHINOOK_TRIALS_SLOWDOWN_PCT <= 100,
              "CHINOOK_TRIALS_SLOWDOWN_PCT out of range");

namespace chinook::trials {
extern const int kSlowdownPct = CHINOOK_TRIALS_SLOWDOWN_PCT;
}  // namespace chinook::trials
