// Issue 15's references outside PostgreSQL: the fastest existing tool for each data-path job,
// measured in the same run as ours, so that benchmarks/gates.json can hold the ratio. (The
// PostgreSQL references, psql \copy, pgbench and a minimal libpq client, sit beside their
// counterparts in repository_bench.cc, on its filled table.)
//
//   Redis GET        redis-benchmark -c 1 (and -P 16) on the server of CHINOOK_REDIS_URL, reading
//                    keys filled with the same values as BM_Redis_Get_Single's; our 16-deep
//                    pipeline of GETs beside it
//   serializer       libprotobuf at its best (arena, reused buffer, SerializeWithCachedSizesToArray,
//                    ParseFromArray) and the floor (a memcpy of the same bytes plus UTF-8
//                    validation of the strings), on serialization_bench.cc's corpus
//   gzip             our compressor beside `gzip -1` and `pigz -1` on the same batch bytes
//
// Subprocess references report rates, not process lifetimes: redis-benchmark's and pgbench's own
// figures become each iteration's manual time; gzip and pigz compress enough bytes per run
// (kCliInputBytes) that their start-up is noise. A missing tool or server fails the benchmark
// with an error naming it (ci/install-deps.sh installs every tool).
#include <benchmark/benchmark.h>
#include <google/protobuf/arena.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "benchmark_memory.h"
#include "cache/redis_client.h"
#include "common/utf8.h"
#include "reference_tool.h"
#include "serialization/batch_codec.h"
#include "serialization/customer_codec.h"
#include "serialization/gzip.h"
#include "workload/customer_corpus.h"
#include "workload/service_env.h"

namespace chinook {
namespace {

using ::chinook::customer::v1::Customer;

// --- Redis GET ----------------------------------------------------------------------------------

constexpr int kRedisKeys = 1000;  // as BM_Redis_Get_Single
constexpr int kRedisPipelineDepth = 16;
// GETs per redis-benchmark run: about a second single, a tenth of that pipelined.
constexpr int kRedisBenchmarkRequests = 20000;

// redis-benchmark's key for -r kRedisKeys: "key:" and the random number in 12 digits.
std::string RedisBenchmarkKey(int n) {
  char key[32];
  std::snprintf(key, sizeof key, "key:%012d", n);
  return key;
}

// The server of CHINOOK_REDIS_URL with redis-benchmark's kRedisKeys keys holding the values
// BM_Redis_Get_Single reads (customers of seed 7, serialized), so both read the same value sizes.
// Null, with the benchmark failed, when the server or the fill is missing.
std::unique_ptr<cache::RedisClient> FilledRedis(benchmark::State& state, cache::RedisEndpoint* endpoint) {
  const std::string url = workload::EnvOrEmpty(workload::kRedisUrlVar);
  if (url.empty()) {
    state.SkipWithError(workload::MissingEnvMessage(workload::kRedisUrlVar).c_str());
    return nullptr;
  }
  auto parsed = cache::ParseRedisUrl(url);
  if (!parsed.ok()) {
    state.SkipWithError(parsed.status().ToString().c_str());
    return nullptr;
  }
  *endpoint = *parsed;
  auto client = std::make_unique<cache::RedisClient>(*parsed, cache::RedisOptions{.connections = 1});
  std::vector<std::string> keys, values;
  for (const Customer& c : workload::MakeCorpus(kRedisKeys, {.seed = 7})) {
    keys.push_back(RedisBenchmarkKey(static_cast<int>(keys.size())));
    values.push_back(c.SerializeAsString());
  }
  std::vector<std::vector<std::string_view>> sets;
  for (size_t i = 0; i < keys.size(); ++i) sets.push_back({"SET", keys[i], values[i]});
  auto replies = client->Pipeline(sets);
  if (!replies.ok()) {
    state.SkipWithError(("filling redis: " + replies.status().ToString()).c_str());
    return nullptr;
  }
  return client;
}

// Ours, command for command what `redis-benchmark -P 16 -t get` sends: 16 GETs written at once,
// 16 replies read, in real time as redis-benchmark reports (RedisClient::Pipeline; the cache's multi-key path, GetMany, sends one MGET
// instead, which is less work for the server and so not the like-for-like figure).
void BM_Redis_Get_Pipelined(benchmark::State& state) {
  cache::RedisEndpoint endpoint;
  auto client = FilledRedis(state, &endpoint);
  if (client == nullptr) return;
  std::vector<std::string> keys;
  for (int i = 0; i < kRedisKeys; ++i) keys.push_back(RedisBenchmarkKey(i));
  const auto depth = static_cast<size_t>(state.range(0));
  std::vector<std::vector<std::string_view>> gets(depth, std::vector<std::string_view>(2, "GET"));
  size_t next = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    for (auto& get : gets) {
      get[1] = keys[next];
      if (++next == keys.size()) next = 0;
    }
    auto replies = client->Pipeline(gets);
    if (!replies.ok() || replies->size() != depth || (*replies)[0].type != cache::RedisReply::Type::kString) {
      state.SkipWithError(replies.ok() ? "redis GET missed a key it had just stored" : replies.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(replies);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(depth));
}
BENCHMARK(BM_Redis_Get_Pipelined)->Arg(kRedisPipelineDepth)->UseRealTime();

// redis-benchmark -c 1 -t get over the same keys and values, pipeline depth state.range(0) (1:
// no pipelining). Each iteration is one run of kRedisBenchmarkRequests GETs whose time is the
// one redis-benchmark reports (its requests per second, from --csv): items_per_second is its rps.
void BM_Redis_Get_RedisBenchmark(benchmark::State& state) {
  cache::RedisEndpoint endpoint;
  auto client = FilledRedis(state, &endpoint);
  if (client == nullptr) return;
  auto tool = bench::FindProgram("redis-benchmark", "redis-tools");
  if (!tool.ok()) {
    state.SkipWithError(tool.status().ToString().c_str());
    return;
  }
  std::vector<std::string> argv = {*tool, "-h", endpoint.host, "-p", std::to_string(endpoint.port),
                                   "-c", "1", "-n", std::to_string(kRedisBenchmarkRequests),
                                   "-r", std::to_string(kRedisKeys), "-P", std::to_string(state.range(0)),
                                   "-t", "get", "--csv"};
  if (!endpoint.password.empty()) {
    argv.insert(argv.end(), {"-a", endpoint.password});
    if (!endpoint.username.empty()) argv.insert(argv.end(), {"--user", endpoint.username});
  }
  if (endpoint.db != 0) argv.insert(argv.end(), {"--dbnum", std::to_string(endpoint.db)});
  // What this process allocates around each run (its output's length varies with the figures).
  memory::ScopedMemoryCounters mem(state, {.timing_dependent = true});
  for (auto _ : state) {
    auto run = bench::RunTool(argv);
    // --csv prints "test","rps",... then "GET","<rps>",...
    Result<double> rps =
        run.ok() ? bench::NumberAfter(run->output, "\"GET\",\"", "redis-benchmark") : Result<double>(run.status());
    if (!rps.ok() || *rps <= 0) {
      state.SkipWithError(("redis-benchmark: " + (rps.ok() ? std::string("rps <= 0") : rps.status().ToString())).c_str());
      break;
    }
    state.SetIterationTime(kRedisBenchmarkRequests / *rps);
  }
  state.SetItemsProcessed(state.iterations() * kRedisBenchmarkRequests);
}
BENCHMARK(BM_Redis_Get_RedisBenchmark)->ArgName("pipeline")->Arg(1)->Arg(kRedisPipelineDepth)->UseManualTime();

// --- Serializer round trip ----------------------------------------------------------------------

constexpr size_t kCorpusSize = 1000;  // serialization_bench.cc's corpus

const std::vector<Customer>& Corpus() {
  static const auto* corpus = new std::vector<Customer>(workload::MakeCorpus(kCorpusSize));
  return *corpus;
}

// libprotobuf at its best: sizes cached by ByteSizeLong, written with SerializeWithCachedSizesToArray
// into a reused buffer, parsed with ParseFromArray into a message on an arena that starts in a
// reused block and is Reset once per pass over the corpus (no heap allocation in steady state).
void BM_Serialize_ProtobufBest(benchmark::State& state) {
  const auto& corpus = Corpus();
  std::vector<uint8_t> buffer;
  for (const Customer& c : corpus) buffer.resize(std::max(buffer.size(), c.ByteSizeLong()));
  std::vector<char> block(4 << 20);
  google::protobuf::ArenaOptions options;
  options.initial_block = block.data();
  options.initial_block_size = block.size();
  google::protobuf::Arena arena(options);
  size_t i = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    const Customer& c = corpus[i];
    const size_t size = c.ByteSizeLong();
    c.SerializeWithCachedSizesToArray(buffer.data());
    Customer* parsed = google::protobuf::Arena::CreateMessage<Customer>(&arena);
    if (!parsed->ParseFromArray(buffer.data(), static_cast<int>(size))) state.SkipWithError("ParseFromArray failed");
    benchmark::DoNotOptimize(parsed);
    if (++i == corpus.size()) {
      i = 0;
      arena.Reset();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Serialize_ProtobufBest);

// The other way libprotobuf is used at its best: one heap message reused for every parse (Clear
// keeps its strings' capacity), same cached-size serialization into a reused buffer.
void BM_Serialize_ProtobufReused(benchmark::State& state) {
  const auto& corpus = Corpus();
  std::vector<uint8_t> buffer;
  for (const Customer& c : corpus) buffer.resize(std::max(buffer.size(), c.ByteSizeLong()));
  Customer parsed;
  size_t i = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    const Customer& c = corpus[i];
    const size_t size = c.ByteSizeLong();
    c.SerializeWithCachedSizesToArray(buffer.data());
    if (!parsed.ParseFromArray(buffer.data(), static_cast<int>(size))) state.SkipWithError("ParseFromArray failed");
    benchmark::DoNotOptimize(parsed);
    if (++i == corpus.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Serialize_ProtobufReused);

// The floor of a round trip: the bytes of each customer copied once (memcpy) and its strings (id,
// email, name, phone, metadata keys and values) validated as UTF-8 with the decoder's own check.
// Nothing real can do less: every encoder writes the bytes, every proto3 decoder validates them.
void BM_Serialize_Floor(benchmark::State& state) {
  const auto& corpus = Corpus();
  struct Encoded {
    std::string bytes;
    std::vector<std::string_view> strings;  // into the corpus' customer
  };
  std::vector<Encoded> encoded;
  size_t largest = 0;
  for (const Customer& c : corpus) {
    Encoded e{c.SerializeAsString(), {c.id(), c.email(), c.name(), c.phone()}};
    for (const auto& [key, value] : c.metadata()) e.strings.insert(e.strings.end(), {key, value});
    largest = std::max(largest, e.bytes.size());
    encoded.push_back(std::move(e));
  }
  std::vector<char> buffer(largest);
  size_t i = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    const Encoded& e = encoded[i];
    std::memcpy(buffer.data(), e.bytes.data(), e.bytes.size());
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
    bool valid = true;
    for (std::string_view s : e.strings) valid &= ValidUtf8PrefixFast(s) == s.size();
    if (!valid) state.SkipWithError("corpus string is not UTF-8");
    if (++i == encoded.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Serialize_Floor);

// --- gzip ---------------------------------------------------------------------------------------

// The serializer's batch of the corpus: the bytes BM_SerializeBatch_Gzip compresses.
const std::string& BatchBytes() {
  static const auto* bytes = [] {
    auto* b = new std::string;
    serialization::EncodeBatch(Corpus(), b);
    return b;
  }();
  return *bytes;
}

// Ours: one batch compressed per iteration by a reused GzipCompressor. bytes_per_second counts
// input bytes, as for the command-line tools below, and real time, as theirs does (pigz runs on
// every core).
// state.range(0): zlib level; `threads`: GzipOptions::threads.
void GzipCompress(benchmark::State& state, int threads) {
  const std::string& raw = BatchBytes();
  serialization::GzipCompressor compressor({.level = static_cast<int>(state.range(0)), .threads = threads});
  std::string packed;
  if (Status s = compressor.Compress(raw, &packed); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    Status s = compressor.Compress(raw, &packed);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(packed.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(raw.size()));
  state.counters["compression_ratio"] = static_cast<double>(raw.size()) / static_cast<double>(packed.size());
}
void BM_Gzip_Compress(benchmark::State& state) { GzipCompress(state, 1); }
BENCHMARK(BM_Gzip_Compress)->ArgName("level")->Arg(1)->UseRealTime();
// The batch in two members on two threads (GzipOptions::threads = 2): what pigz, which uses both
// cores, compares with.
void BM_Gzip_CompressTwoThreads(benchmark::State& state) { GzipCompress(state, 2); }
BENCHMARK(BM_Gzip_CompressTwoThreads)->ArgName("level")->Arg(1)->UseRealTime();

// What a command-line run compresses: the batch repeated to 16 MiB (start-up, ~1 ms, is then
// under 1% of a run). The repeats are further apart than deflate's 32 KiB window, so they compress
// as the batch does.
constexpr size_t kCliInputBytes = 16u << 20;

// `tool -<level> -c` (gzip or pigz, with its default threads: pigz uses every core) on a file of
// kCliInputBytes of batch bytes, output to /dev/null; real time of the whole process.
void CompressWithTool(benchmark::State& state, const std::string& tool_name) {
  auto tool = bench::FindProgram(tool_name, tool_name);
  if (!tool.ok()) {
    state.SkipWithError(tool.status().ToString().c_str());
    return;
  }
  const std::string& batch = BatchBytes();
  const std::string file = "/tmp/chinook-gzip-input-" + std::to_string(getpid());
  size_t input_bytes = 0;
  {
    FILE* f = std::fopen(file.c_str(), "wb");
    bool written = f != nullptr;
    while (written && input_bytes < kCliInputBytes) {
      written = std::fwrite(batch.data(), 1, batch.size(), f) == batch.size();
      input_bytes += batch.size();
    }
    if (f == nullptr || std::fclose(f) != 0 || !written) {
      state.SkipWithError(("cannot write " + file).c_str());
      std::remove(file.c_str());
      return;
    }
  }
  const std::vector<std::string> argv = {*tool, "-" + std::to_string(state.range(0)), "-c"};
  memory::ScopedMemoryCounters mem(state, {.timing_dependent = true});
  for (auto _ : state) {
    auto run = bench::RunTool(argv, {.stdin_path = file, .stdout_path = "/dev/null"});
    if (!run.ok()) {
      state.SkipWithError(run.status().ToString().c_str());
      break;
    }
  }
  std::remove(file.c_str());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(input_bytes));
}

void BM_Gzip_GzipCli(benchmark::State& state) { CompressWithTool(state, "gzip"); }
void BM_Gzip_PigzCli(benchmark::State& state) { CompressWithTool(state, "pigz"); }
BENCHMARK(BM_Gzip_GzipCli)->ArgName("level")->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Gzip_PigzCli)->ArgName("level")->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace chinook
