// Clang thread-safety annotations: locking rules written as attributes that `-Wthread-safety`
// checks at compile time (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html), after LevelDB's
// port/thread_annotations.h and Abseil's absl/base/thread_annotations.h, prefixed CHINOOK_ so
// that they cannot clash with another library's GUARDED_BY.
//
//   Mutex mu_;
//   int64_t hits_ CHINOOK_GUARDED_BY(mu_);
//   void Evict() CHINOOK_REQUIRES(mu_);
//
// On compilers without the attributes (GCC) every macro expands to nothing. The clang build of
// `make fuzz` (and so `make test`) compiles with -Wthread-safety -Werror=thread-safety.
//
// Thread safety: macros only.
#ifndef CHINOOK_COMMON_THREAD_ANNOTATIONS_H_
#define CHINOOK_COMMON_THREAD_ANNOTATIONS_H_

#if defined(__has_attribute)
#if __has_attribute(guarded_by)
#define CHINOOK_THREAD_ANNOTATION_(x) __attribute__((x))
#endif
#endif
#ifndef CHINOOK_THREAD_ANNOTATION_
#define CHINOOK_THREAD_ANNOTATION_(x)
#endif

// A type whose objects are capabilities (locks): CHINOOK_CAPABILITY("mutex").
#define CHINOOK_CAPABILITY(x) CHINOOK_THREAD_ANNOTATION_(capability(x))
#define CHINOOK_LOCKABLE CHINOOK_CAPABILITY("mutex")
// An RAII type that acquires a capability in its constructor and releases it in its destructor.
#define CHINOOK_SCOPED_CAPABILITY CHINOOK_THREAD_ANNOTATION_(scoped_lockable)

// The member may be read or written only with the capability held.
#define CHINOOK_GUARDED_BY(x) CHINOOK_THREAD_ANNOTATION_(guarded_by(x))
// What the (smart) pointer points to may be accessed only with the capability held.
#define CHINOOK_PT_GUARDED_BY(x) CHINOOK_THREAD_ANNOTATION_(pt_guarded_by(x))

// Lock order between capabilities.
#define CHINOOK_ACQUIRED_BEFORE(...) CHINOOK_THREAD_ANNOTATION_(acquired_before(__VA_ARGS__))
#define CHINOOK_ACQUIRED_AFTER(...) CHINOOK_THREAD_ANNOTATION_(acquired_after(__VA_ARGS__))

// The caller must hold the capabilities (exclusively / at least shared) on entry and on return.
#define CHINOOK_REQUIRES(...) CHINOOK_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define CHINOOK_REQUIRES_SHARED(...) CHINOOK_THREAD_ANNOTATION_(requires_shared_capability(__VA_ARGS__))
// The caller must not hold the capabilities (the function takes them itself).
#define CHINOOK_EXCLUDES(...) CHINOOK_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))

// The function acquires / releases the capabilities (`this` when none are named).
#define CHINOOK_ACQUIRE(...) CHINOOK_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define CHINOOK_ACQUIRE_SHARED(...) CHINOOK_THREAD_ANNOTATION_(acquire_shared_capability(__VA_ARGS__))
#define CHINOOK_RELEASE(...) CHINOOK_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define CHINOOK_RELEASE_SHARED(...) CHINOOK_THREAD_ANNOTATION_(release_shared_capability(__VA_ARGS__))
// The function acquires the capabilities when it returns the given value (a TryLock).
#define CHINOOK_TRY_ACQUIRE(...) CHINOOK_THREAD_ANNOTATION_(try_acquire_capability(__VA_ARGS__))
#define CHINOOK_TRY_ACQUIRE_SHARED(...) \
  CHINOOK_THREAD_ANNOTATION_(try_acquire_shared_capability(__VA_ARGS__))

// The function checks (or just states) that the capability is held; the analysis believes it.
#define CHINOOK_ASSERT_CAPABILITY(x) CHINOOK_THREAD_ANNOTATION_(assert_capability(x))
#define CHINOOK_ASSERT_SHARED_CAPABILITY(x) CHINOOK_THREAD_ANNOTATION_(assert_shared_capability(x))
// The function returns a reference to the capability x.
#define CHINOOK_RETURN_CAPABILITY(x) CHINOOK_THREAD_ANNOTATION_(lock_returned(x))

// Turns the analysis off for one function. Only on small functions whose locking the analysis
// cannot follow, with a comment saying why.
#define CHINOOK_NO_THREAD_SAFETY_ANALYSIS CHINOOK_THREAD_ANNOTATION_(no_thread_safety_analysis)

#endif  // CHINOOK_COMMON_THREAD_ANNOTATIONS_H_
