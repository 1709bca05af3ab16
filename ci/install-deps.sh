#!/usr/bin/env bash
# Installs the Debian packages Chinook needs to build, test and benchmark: compilers and build tools,
# the libraries the code links, and the servers the tests run against. Skips what is already
# installed, so it is safe (and quick) to run on every `make test` / `make bench`.
set -euo pipefail

packages=(
  # build; clang and its runtime for the libFuzzer targets (make fuzz)
  g++ cmake make pkg-config clang libclang-rt-14-dev
  # libraries
  libprotobuf-dev protobuf-compiler libpq-dev zlib1g-dev libhiredis-dev libjemalloc-dev
  libbenchmark-dev libgtest-dev libgmock-dev
  # MD5 for the ketama ring (libmd); JSON reading and writing (rapidjson, header-only); the
  # Prometheus exposition format and the tools' /metrics server (prometheus-cpp, on civetweb)
  libmd-dev rapidjson-dev prometheus-cpp-dev
  # chinook-profile: gperftools' CPU profiler (libprofiler) and google-pprof to read its output
  libgoogle-perftools-dev google-perftools
  # servers and their clients (tests and benchmarks run against real ones)
  postgresql-15 postgresql-client-15 redis-server redis-tools
  # gzip -d is used by a test to prove our output is standard gzip; gzip and pigz are also the
  # gzip references of the benchmark suite (issue 15), as redis-benchmark (redis-tools), pgbench and
  # psql (postgresql-client-15) are the Redis and PostgreSQL ones
  gzip pigz procps
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# An apt list older than a day may name package versions the mirror no longer serves.
$sudo apt-get update -qq
# policy-rc.d keeps the packages' own service units from starting system-wide servers we do not use.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
