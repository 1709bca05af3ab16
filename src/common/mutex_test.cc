#include "common/mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace chinook {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

class Counter {
 public:
  void Add() CHINOOK_EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    ++value_;
  }
  int value() CHINOOK_EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return value_;
  }

 private:
  Mutex mu_;
  int value_ CHINOOK_GUARDED_BY(mu_) = 0;
};

// Whether another thread finds `mu` free (its TryLock succeeds; it unlocks at once).
bool FreeForAnotherThread(Mutex* mu) {
  bool acquired = false;
  std::thread([&] {
    if (mu->TryLock()) {
      acquired = true;
      mu->Unlock();
    }
  }).join();
  return acquired;
}

TEST(MutexTest, MutexLockExcludesOtherThreads) {
  Counter counter;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) counter.Add();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.value(), 4 * kPerThread);
}

TEST(MutexTest, TryLockFailsWhileAnotherThreadHoldsTheMutex) {
  Mutex mu;
  EXPECT_TRUE(FreeForAnotherThread(&mu));
  MutexLock lock(&mu);
  EXPECT_FALSE(FreeForAnotherThread(&mu));
}

TEST(MutexTest, MutexUnlockReleasesForItsScopeOnly) {
  Mutex mu;
  MutexLock lock(&mu);
  {
    MutexUnlock unlock(&mu);
    EXPECT_TRUE(FreeForAnotherThread(&mu));
  }
  EXPECT_FALSE(FreeForAnotherThread(&mu));  // held again
}

TEST(CondVarTest, WaitWithDeadlineTimesOutWithoutASignal) {
  Mutex mu;
  CondVar cv;
  MutexLock lock(&mu);
  const auto start = steady_clock::now();
  bool timed_out = false;
  while (!timed_out) timed_out = cv.WaitWithDeadline(&mu, start + milliseconds(20));
  EXPECT_GE(steady_clock::now() - start, milliseconds(20));
}

TEST(CondVarTest, SignalWakesAWaiterBeforeItsDeadline) {
  Mutex mu;
  CondVar cv;
  bool ready = false;  // guarded by mu (a local: annotations apply to members only)
  std::thread signaller([&] {
    MutexLock lock(&mu);
    ready = true;
    cv.SignalAll();
  });
  {
    MutexLock lock(&mu);
    bool timed_out = false;
    const auto deadline = steady_clock::now() + std::chrono::minutes(1);
    while (!ready && !timed_out) timed_out = cv.WaitWithDeadline(&mu, deadline);
    EXPECT_TRUE(ready);
    EXPECT_FALSE(timed_out);
  }
  signaller.join();
}

TEST(CondVarTest, WaitReturnsHoldingTheMutex) {
  Mutex mu;
  CondVar cv;
  int stage = 0;  // guarded by mu
  std::thread other([&] {
    MutexLock lock(&mu);
    stage = 1;
    cv.Signal();
  });
  {
    MutexLock lock(&mu);
    while (stage == 0) cv.Wait(&mu);
    EXPECT_FALSE(FreeForAnotherThread(&mu));
  }
  other.join();
  EXPECT_EQ(stage, 1);
}

}  // namespace
}  // namespace chinook
