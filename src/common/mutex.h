// Mutex, MutexLock, MutexUnlock and CondVar: std::mutex and std::condition_variable with the
// thread-safety annotations that libstdc++'s types lack, so that clang's -Wthread-safety can check
// every CHINOOK_GUARDED_BY / CHINOOK_REQUIRES (common/thread_annotations.h). Names follow Abseil
// (absl::Mutex, absl::MutexLock, absl::CondVar) and LevelDB (port::Mutex, MutexLock).
//
//   Mutex mu_;
//   std::vector<Item> free_ CHINOOK_GUARDED_BY(mu_);
//   void Put(Item item) { MutexLock lock(&mu_); free_.push_back(std::move(item)); }
//
// Every method is an inline call of the std:: one: no extra state, no extra work.
//
// Thread safety: Mutex and CondVar are for concurrent use (that is their point); a MutexLock or
// MutexUnlock belongs to the thread and scope that made it.
#ifndef CHINOOK_COMMON_MUTEX_H_
#define CHINOOK_COMMON_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/thread_annotations.h"

namespace chinook {

class CondVar;

// A non-recursive exclusive lock.
class CHINOOK_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() CHINOOK_ACQUIRE() { mu_.lock(); }
  void Unlock() CHINOOK_RELEASE() { mu_.unlock(); }
  // True (and locked) when the mutex was free.
  [[nodiscard]] bool TryLock() CHINOOK_TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // Tells the analysis the caller holds the mutex where it cannot see so (a lock taken in another
  // function); checks nothing at run time, as LevelDB's port::Mutex::AssertHeld.
  void AssertHeld() const CHINOOK_ASSERT_CAPABILITY(this) {}

  // The standard Lockable names, so that std::unique_lock<Mutex> works where a lock's owner is
  // decided at run time (as absl::Mutex offers them).
  void lock() CHINOOK_ACQUIRE() { mu_.lock(); }
  void unlock() CHINOOK_RELEASE() { mu_.unlock(); }
  [[nodiscard]] bool try_lock() CHINOOK_TRY_ACQUIRE(true) { return mu_.try_lock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for its scope.
class CHINOOK_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) CHINOOK_ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() CHINOOK_RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// The reverse: releases a held Mutex for its scope (slow work such as a connect done without the
// lock, inside a function that otherwise holds it) and takes it back at the end.
class CHINOOK_SCOPED_CAPABILITY MutexUnlock {
 public:
  explicit MutexUnlock(Mutex* mu) CHINOOK_RELEASE(mu) : mu_(mu) { mu_->Unlock(); }
  // Ending the scope undoes what its constructor did; the analysis reads RELEASE on a scoped
  // capability's destructor that way (here: the mutex is held again).
  ~MutexUnlock() CHINOOK_RELEASE() { mu_->Lock(); }
  MutexUnlock(const MutexUnlock&) = delete;
  MutexUnlock& operator=(const MutexUnlock&) = delete;

 private:
  Mutex* const mu_;
};

// A condition variable used with a Mutex. Waits release the mutex while blocked and hold it again
// on return; spurious wake-ups happen, so callers re-check their condition in a loop.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void Wait(Mutex* mu) CHINOOK_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // the caller still holds mu
  }
  // Waits until signalled or `deadline`; true when the deadline passed (absl::CondVar's
  // WaitWithDeadline convention).
  bool WaitWithDeadline(Mutex* mu, std::chrono::steady_clock::time_point deadline) CHINOOK_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    const bool timed_out = cv_.wait_until(lock, deadline) == std::cv_status::timeout;
    lock.release();
    return timed_out;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace chinook

#endif  // CHINOOK_COMMON_MUTEX_H_
