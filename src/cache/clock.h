// The time source of the caches' TTLs, injectable so that tests move time instead of sleeping.
//
// Thread safety: Now() may be called concurrently on any Clock; ManualClock::Advance too.
#ifndef CHINOOK_CACHE_CLOCK_H_
#define CHINOOK_CACHE_CLOCK_H_

#include <atomic>
#include <chrono>
#include <memory>

namespace chinook::cache {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time since an arbitrary epoch.
  virtual std::chrono::nanoseconds Now() const = 0;
};

// CLOCK_MONOTONIC_COARSE: a few nanoseconds per read instead of ~20 for the precise clock, at a
// resolution of a few milliseconds, which is plenty for TTLs of seconds and minutes.
std::shared_ptr<Clock> SystemClock();

// A clock that moves only when told to; starts at 1 s so that "time 0" is never a valid reading.
class ManualClock final : public Clock {
 public:
  std::chrono::nanoseconds Now() const override {
    return std::chrono::nanoseconds(now_.load(std::memory_order_relaxed));
  }
  void Advance(std::chrono::nanoseconds d) { now_.fetch_add(d.count(), std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_{1'000'000'000};
};

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_CLOCK_H_
