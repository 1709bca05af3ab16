#include "cache/clock.h"

#include <time.h>

namespace chinook::cache {
namespace {

class CoarseMonotonicClock final : public Clock {
 public:
  std::chrono::nanoseconds Now() const override {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  }
};

}  // namespace

std::shared_ptr<Clock> SystemClock() {
  static const std::shared_ptr<Clock> clock = std::make_shared<CoarseMonotonicClock>();
  return clock;
}

}  // namespace chinook::cache
