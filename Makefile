# Thin named targets over CMake and ci/. `make bench` and `make test` do all their own set-up:
# install missing Debian packages, build, start throwaway PostgreSQL and Redis, run, stop them.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# Extra flags for chinook-bench under `make bench`, e.g. BENCH_ARGS='--benchmark_min_time=1'.
# BENCH_FILTER=regex and BENCH_REPS=N (read by ci/bench.sh) narrow or deepen the run.
BENCH_ARGS ?=
# The git ref `make pr-check` compares the working tree against.
BASE ?=
export CHINOOK_BUILD_DIR := $(abspath $(BUILD_DIR))
export BENCH_FILTER BENCH_REPS

# Seconds each fuzz target runs under `make fuzz`, and in the smoke run that `make test-full` includes.
FUZZ_SECONDS ?= 120
FUZZ_SMOKE_SECONDS ?= 10
# Memory limits of every fuzz target (ci/fuzz.sh): resident MiB and the largest single allocation,
# so that a memory bomb is a finding, not a pass.
FUZZ_RSS_LIMIT_MB ?= 1024
FUZZ_MALLOC_LIMIT_MB ?= 256
export FUZZ_RSS_LIMIT_MB FUZZ_MALLOC_LIMIT_MB

.PHONY: all deps build test test-full test-quick test-asan fuzz profile bench pr-check baseline ab-trials services-up services-down clean

all: build

deps:
	@ci/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

# What CI runs (.ci/run): the build, then the whole suite in Release (every GoogleTest case and a
# smoke run of every benchmark) against throwaway servers, whose CTest summary ends the output.
# Kept under 20 minutes from a fresh clone on 2 cores; the sanitizer and clang passes, which take
# about 30 more, are `make test-full`.
test: build
	ci/with-services.sh ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# Everything: the clang build with the thread-safety analysis and a short fuzz smoke of every
# libFuzzer target (replaying every committed seed and past crash), the suite under ASan + UBSan,
# then `make test`. About 45 minutes from a fresh clone on 2 cores.
test-full: build
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test

# The same as `make test` (kept for scripts that name it).
test-quick: test

# The test suite built with AddressSanitizer + UndefinedBehaviorSanitizer (leak checking on), on
# glibc malloc (the sanitizer replaces it; jemalloc is left out), the benchmark suite's smoke run
# (chinook-bench-smoke) included.
test-asan: deps
	cmake -S . -B $(BUILD_DIR)-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHINOOK_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR)-asan -j $(JOBS) --target chinook-tests chinook-bench chinook-bench-check
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  CHINOOK_BUILD_DIR=$(abspath $(BUILD_DIR))-asan ci/with-services.sh \
	  ctest --test-dir $(BUILD_DIR)-asan --output-on-failure -j $(JOBS)

# Every libFuzzer target (clang, with ASan + UBSan) for FUZZ_SECONDS each, from the committed
# seeds, under FUZZ_RSS_LIMIT_MB / FUZZ_MALLOC_LIMIT_MB. The same clang build compiles every
# library and tool (chinook-thread-safety-check), so that -Wthread-safety checks all the locking
# annotations.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_DIR)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHINOOK_FUZZ=ON
	cmake --build $(BUILD_DIR)-fuzz -j $(JOBS) --target chinook-fuzzers chinook-thread-safety-check
	ci/fuzz.sh $(BUILD_DIR)-fuzz $(FUZZ_SECONDS)

bench: build
	ci/with-services.sh ci/bench.sh $(BENCH_ARGS)

pr-check: build
	ci/with-services.sh ci/pr-check.sh $(BASE)

baseline: build
	ci/with-services.sh ci/refresh-baseline.sh

# Measures chinook-compare ab on this machine with realistic programs slowed by 0/2/5/10% in one
# benchmark, quiet and beside a bursty neighbour (minutes per comparison; not part of make test).
# TRIALS, NEIGHBOUR=0|1|both, PROGRAMS, EFFECTS, VARIANCE=1: tools/compare/trials/README.md.
ab-trials: build
	cmake --build $(BUILD_DIR) -j $(JOBS) --target chinook-trials
	tools/compare/trials/run_trials.sh $(BUILD_DIR)

# chinook-profile against throwaway servers: per-operation time, allocations, CPU profiles in
# build/profile/, and recommendations computed from the figures. PROFILE_ARGS='--json' etc.
PROFILE_ARGS ?=
profile: build
	ci/with-services.sh $(CHINOOK_BUILD_DIR)/chinook-profile --profile-dir $(CHINOOK_BUILD_DIR)/profile $(PROFILE_ARGS)

services-up:
	@ci/services.sh up

services-down:
	@ci/services.sh down

clean:
	-ci/services.sh down
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-asan $(BUILD_DIR)-fuzz

# --- Load run (issue 6, soak owner) ---------------------------------------------------------------
# chinook-soak: SOAK_THREADS threads x SOAK_OPS mixed CustomerService operations against throwaway
# servers, resident memory sampled; fails unless flat after warm-up (about a minute at the
# defaults; not part of `make test`). A quick run: make soak SOAK_OPS=100000.
SOAK_THREADS ?= 2
SOAK_OPS ?= 1000000
.PHONY: soak
soak: build
	ci/with-services.sh $(CHINOOK_BUILD_DIR)/chinook-soak --threads $(SOAK_THREADS) --ops $(SOAK_OPS)

# --- Fault drills (issue 11) ----------------------------------------------------------------------
# chinook-profile and chinook-soak with PostgreSQL stopped 3 s and 15 s and every Redis killed, each
# against servers of its own (ci/fault_drill.sh; a few minutes; not part of `make test`, whose
# tests/tool_fault_drill_test.cc covers the 3 s and the never-back cases). DRILLS='profile-pg3' etc.
DRILLS ?=
.PHONY: fault-drill
fault-drill: build
	ci/fault_drill.sh $(DRILLS)
