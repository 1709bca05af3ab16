#include "cache/trace.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <unordered_map>

#include "cache/md5.h"

namespace chinook::cache {
namespace {

std::string_view Trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Splits on spaces/tabs.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// "source:line: why: \"line\"" (the line shortened); a limit crossed is ResourceExhausted.
Status LineError(std::string_view source, size_t line_number, std::string_view line, std::string_view why,
                 StatusCode code = StatusCode::kInvalidArgument) {
  constexpr size_t kShown = 80;
  std::string shown(line.substr(0, kShown));
  if (line.size() > kShown) shown += "...";
  return Status(code, std::string(source) + ":" + std::to_string(line_number) + ": " + std::string(why) + ": \"" +
                         shown + "\"");
}

// The reader's read size; the buffer holds at most one line plus one chunk.
constexpr size_t kReadChunkBytes = 64 * 1024;

// Splits a stream into lines without ever holding more than max_line_bytes + kReadChunkBytes of
// it (+ the buffer's growth, at most doubling), however long the input or its lines.
class LineReader {
 public:
  enum class Next { kLine, kEnd, kTooLong, kReadError };

  LineReader(std::istream& in, size_t max_line_bytes)
      : in_(in), max_line_(max_line_bytes), max_buffer_(max_line_bytes + 1 + kReadChunkBytes) {}

  // kLine: *line is the next line without its '\n', valid until the next call. kTooLong: the
  // line passed max_line_bytes before a newline; reading stops there.
  Next Read(std::string_view* line) {
    while (true) {
      const char* begin = buffer_.data() + pos_;
      const size_t available = end_ - pos_;
      const void* newline = std::memchr(begin + scanned_, '\n', available - scanned_);
      if (newline != nullptr) {
        const size_t length = static_cast<const char*>(newline) - begin;
        ++line_number_;
        if (length > max_line_) return Next::kTooLong;
        *line = std::string_view(begin, length);
        pos_ += length + 1;
        scanned_ = 0;
        return Next::kLine;
      }
      scanned_ = available;
      if (available > max_line_) {
        ++line_number_;
        return Next::kTooLong;
      }
      if (eof_) {
        if (available == 0) return Next::kEnd;
        ++line_number_;
        *line = std::string_view(begin, available);  // a last line without its newline
        pos_ = end_;
        scanned_ = 0;
        return Next::kLine;
      }
      if (!Fill()) return Next::kReadError;
    }
  }

  // Lines returned so far (the number of the last one).
  size_t line_number() const { return line_number_; }

 private:
  // Moves the unread tail to the front and reads one more chunk after it.
  bool Fill() {
    std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
    const size_t want = std::min(max_buffer_, end_ + kReadChunkBytes);
    if (buffer_.size() < want) buffer_.resize(std::max(want, std::min(max_buffer_, buffer_.size() * 2)));
    in_.read(buffer_.data() + end_, static_cast<std::streamsize>(buffer_.size() - end_));
    end_ += static_cast<size_t>(in_.gcount());
    if (in_.bad()) return false;
    if (!in_) eof_ = true;  // eof (with fail) after a short read
    return true;
  }

  std::istream& in_;
  const size_t max_line_;
  const size_t max_buffer_;
  std::string buffer_;
  size_t pos_ = 0;      // start of the unread bytes
  size_t end_ = 0;      // end of the bytes read
  size_t scanned_ = 0;  // unread bytes already known to hold no newline
  bool eof_ = false;
  size_t line_number_ = 0;
};

// A keys-format key as the reader tells keys apart: its MD5, so the table costs the same per key
// whatever the key's length.
struct Digest {
  uint64_t hi = 0, lo = 0;
  bool operator==(const Digest&) const = default;
};

Digest DigestOf(std::string_view key) {
  const std::array<uint8_t, 16> md5 = internal::Md5(key);
  Digest d;
  std::memcpy(&d.hi, md5.data(), 8);
  std::memcpy(&d.lo, md5.data() + 8, 8);
  return d;
}

// Hashes with a seed of this process: block numbers and keys come from the input, and a fixed
// hash (std::hash<uint64_t> is the identity) would let a trace pick values that share one bucket,
// multiples of the table's prime size, for quadratic time. Runs of 64 consecutive blocks keep
// consecutive hashes, so a sequential run touches one stretch of buckets: mixing every block
// apart made the reader 10x slower on a trace of new blocks (random memory access per block).
// Ids do not depend on the hash, so neither does any result.
class SeededHash {
 public:
  SeededHash() : seed_(ProcessSeed()) {}
  size_t operator()(uint64_t block) const { return (Mix((block >> 6) ^ seed_) << 6) | (block & 63); }
  size_t operator()(const Digest& d) const { return Mix(d.lo ^ d.hi ^ seed_); }

 private:
  static uint64_t ProcessSeed() {
    static const uint64_t seed = (uint64_t{std::random_device()()} << 32) | std::random_device()();
    return seed;
  }
  static uint64_t Mix(uint64_t z) {  // SplitMix64's finalizer
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t seed_;
};

// The footprint TraceLimits::max_memory_bytes bounds (see trace.h).
uint64_t FootprintBytes(const TraceLimits& limits, uint64_t requests, uint64_t keys) {
  const uint64_t read = MemoryModel{kReadBytesPerRequest, kReadBytesPerKey, 0}.Bytes(requests, keys);
  MemoryModel held = limits.replay;
  held.bytes_per_request += kHeldBytesPerRequest;
  return std::max(read, held.Bytes(requests, keys));
}

// "2098432 B (2.0 MiB)"
std::string Mib(uint64_t bytes) {
  char mib[32];
  std::snprintf(mib, sizeof mib, "%.1f", static_cast<double>(bytes) / (1 << 20));
  return std::to_string(bytes) + " B (" + mib + " MiB)";
}

std::string MemoryMessage(const TraceLimits& limits, uint64_t requests, uint64_t keys, uint64_t need) {
  return std::to_string(requests) + " requests over " + std::to_string(keys) + " keys need " + Mib(need) +
         " (reading: " + std::to_string(kReadBytesPerRequest) + " B/request + " + std::to_string(kReadBytesPerKey) +
         " B/key; replaying: " + std::to_string(kHeldBytesPerRequest + limits.replay.bytes_per_request) +
         " B/request + " + std::to_string(limits.replay.bytes_per_key) + " B/key + " +
         std::to_string(limits.replay.fixed_bytes) + " B), over the memory limit of " + Mib(limits.max_memory_bytes);
}

// Accumulates requests under the limits; every refusal names the line that asked.
class TraceBuilder {
 public:
  TraceBuilder(std::string_view source, const TraceLimits& limits) : source_(source), limits_(limits) {}

  // Before the `count` requests of one line: the request count and the memory those requests
  // need with the keys seen so far (new keys can only add to it).
  Status Reserve(size_t line_number, std::string_view line, uint64_t count) {
    const uint64_t total = trace_.requests.size() + std::min(count, UINT64_MAX - trace_.requests.size());
    if (total > limits_.max_requests) {
      return Exhausted(line_number, line,
                       "the trace would have " + std::to_string(total) + " requests, over the limit of " +
                           std::to_string(limits_.max_requests) + " requests");
    }
    reserved_ = total;
    return CheckMemory(line_number, line);
  }

  // One request for `key`. REQUIRES: Reserve covered it.
  template <typename Key>
  Status Add(size_t line_number, std::string_view line, std::unordered_map<Key, uint64_t, SeededHash>& ids,
             const Key& key) {
    const auto [it, inserted] = ids.try_emplace(key, trace_.distinct_keys);
    if (inserted) {
      if (++trace_.distinct_keys > limits_.max_distinct_keys) {
        return Exhausted(line_number, line,
                         "the trace has more than " + std::to_string(limits_.max_distinct_keys) +
                             " distinct keys (the limit)");
      }
      CHINOOK_RETURN_IF_ERROR(CheckMemory(line_number, line));
    }
    trace_.requests.push_back(it->second);
    return Status::Ok();
  }

  Trace Finish() { return std::move(trace_); }

 private:
  Status CheckMemory(size_t line_number, std::string_view line) const {
    if (limits_.max_memory_bytes == 0) return Status::Ok();
    const uint64_t need = FootprintBytes(limits_, reserved_, trace_.distinct_keys);
    if (need <= limits_.max_memory_bytes) return Status::Ok();
    return Exhausted(line_number, line, MemoryMessage(limits_, reserved_, trace_.distinct_keys, need));
  }

  Status Exhausted(size_t line_number, std::string_view line, const std::string& why) const {
    return LineError(source_, line_number, line, why, StatusCode::kResourceExhausted);
  }

  std::string_view source_;
  const TraceLimits& limits_;
  Trace trace_;
  uint64_t reserved_ = 0;  // requests once the current line is in
};

}  // namespace

Result<TraceFormat> ParseTraceFormat(std::string_view name) {
  if (name == "keys") return TraceFormat::kKeys;
  if (name == "arc") return TraceFormat::kArc;
  if (name == "lirs") return TraceFormat::kLirs;
  return InvalidArgumentError("unknown trace format \"" + std::string(name) + "\" (expected keys, arc or lirs)");
}

uint64_t MemoryModel::Bytes(uint64_t requests, uint64_t keys) const {
  const unsigned __int128 bytes = static_cast<unsigned __int128>(bytes_per_request) * requests +
                                  static_cast<unsigned __int128>(bytes_per_key) * keys + fixed_bytes;
  return bytes > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(bytes);
}

Result<Trace> ReadTrace(std::istream& in, TraceFormat format, std::string_view source, const TraceLimits& limits) {
  TraceBuilder builder(source, limits);
  std::unordered_map<uint64_t, uint64_t, SeededHash> block_ids;  // arc, lirs: block number -> dense id
  std::unordered_map<Digest, uint64_t, SeededHash> key_ids;      // keys: MD5 of the key -> dense id
  LineReader reader(in, limits.max_line_bytes);
  std::string_view raw;
  while (true) {
    const LineReader::Next next = reader.Read(&raw);
    if (next == LineReader::Next::kEnd) break;
    if (next == LineReader::Next::kReadError) {
      return UnavailableError(std::string(source) + ": read error after line " + std::to_string(reader.line_number()));
    }
    const size_t line_number = reader.line_number();
    if (next == LineReader::Next::kTooLong) {
      return ResourceExhaustedError(std::string(source) + ":" + std::to_string(line_number) +
                                    ": line longer than the limit of " + std::to_string(limits.max_line_bytes) +
                                    " bytes (no newline within it)");
    }
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.find('\0') != std::string_view::npos) {
      return LineError(source, line_number, "", "NUL byte in a text trace (is this a binary file?)");
    }
    switch (format) {
      case TraceFormat::kKeys: {
        if (line.find_first_of(" \t") != std::string_view::npos) {
          return LineError(source, line_number, line, "expected one key per line, found several fields");
        }
        CHINOOK_RETURN_IF_ERROR(builder.Reserve(line_number, line, 1));
        CHINOOK_RETURN_IF_ERROR(builder.Add(line_number, line, key_ids, DigestOf(line)));
        break;
      }
      case TraceFormat::kLirs: {
        if (line == "*") continue;
        uint64_t block;
        if (!ParseU64(line, &block)) {
          return LineError(source, line_number, line, "expected one non-negative block number");
        }
        CHINOOK_RETURN_IF_ERROR(builder.Reserve(line_number, line, 1));
        CHINOOK_RETURN_IF_ERROR(builder.Add(line_number, line, block_ids, block));
        break;
      }
      case TraceFormat::kArc: {
        const std::vector<std::string_view> fields = Fields(line);
        uint64_t start, count;
        if (fields.size() < 2 || !ParseU64(fields[0], &start) || !ParseU64(fields[1], &count)) {
          return LineError(source, line_number, line,
                           "expected \"start count ...\" with non-negative integers");
        }
        if (count == 0) return LineError(source, line_number, line, "block count must be at least 1");
        if (count > limits.max_blocks_per_line) {
          return LineError(source, line_number, line,
                           "block count " + std::to_string(count) + " is over the limit of " +
                               std::to_string(limits.max_blocks_per_line) + " blocks per line",
                           StatusCode::kResourceExhausted);
        }
        if (start > UINT64_MAX - (count - 1)) {
          return LineError(source, line_number, line, "block range overflows 64 bits");
        }
        // The whole run is checked against the request limits before one block is added, so a
        // corrupt count costs nothing; the key limits are met block by block.
        CHINOOK_RETURN_IF_ERROR(builder.Reserve(line_number, line, count));
        for (uint64_t b = 0; b < count; ++b) {
          CHINOOK_RETURN_IF_ERROR(builder.Add(line_number, line, block_ids, start + b));
        }
        break;
      }
    }
  }
  return builder.Finish();
}

Result<Trace> ReadTraceFile(const std::string& path, TraceFormat format, const TraceLimits& limits) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return InvalidArgumentError(path + ": is a directory, not a trace file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open trace file");
  return ReadTrace(in, format, path, limits);
}

Status CheckTraceSize(uint64_t requests, uint64_t distinct_keys, const TraceLimits& limits, std::string_view what) {
  const std::string prefix = std::string(what) + ": ";
  if (requests > limits.max_requests) {
    return ResourceExhaustedError(prefix + std::to_string(requests) + " requests exceed the limit of " +
                                  std::to_string(limits.max_requests) + " requests");
  }
  if (distinct_keys > limits.max_distinct_keys) {
    return ResourceExhaustedError(prefix + std::to_string(distinct_keys) + " distinct keys exceed the limit of " +
                                  std::to_string(limits.max_distinct_keys) + " keys");
  }
  if (const uint64_t need = FootprintBytes(limits, requests, distinct_keys);
      limits.max_memory_bytes != 0 && need > limits.max_memory_bytes) {
    return ResourceExhaustedError(prefix + MemoryMessage(limits, requests, distinct_keys, need));
  }
  return Status::Ok();
}

}  // namespace chinook::cache
