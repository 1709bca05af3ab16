# Thin named targets over CMake and ci/. `make bench` and `make test` do all their own set-up:
# install missing Debian packages, build, start throwaway PostgreSQL and Redis, run, stop them.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# Extra flags for chinook-bench under `make bench`, e.g. BENCH_ARGS='--benchmark_filter=Serialize'.
BENCH_ARGS ?=
export CHINOOK_BUILD_DIR := $(abspath $(BUILD_DIR))

.PHONY: all deps build test bench services-up services-down clean

all: build

deps:
	@ci/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ci/with-services.sh ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

bench: build
	ci/with-services.sh ci/bench.sh $(BENCH_ARGS)

services-up:
	@ci/services.sh up

services-down:
	@ci/services.sh down

clean:
	-ci/services.sh down
	rm -rf $(BUILD_DIR)
