#include "cache/redis_client.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>

namespace chinook::cache {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:  // the three replies that carry text
      out.type = r->type == REDIS_REPLY_STRING   ? RedisReply::Type::kString
                 : r->type == REDIS_REPLY_STATUS ? RedisReply::Type::kStatus
                                                 : RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

bool ParseInt(std::string_view s, int* out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

Result<std::string> PercentDecode(std::string_view s, std::string_view url_for_errors) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    int value = 0;
    if (i + 2 >= s.size() || std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16).ptr != s.data() + i + 3) {
      return InvalidArgumentError("redis url \"" + std::string(url_for_errors) + "\": bad percent-escape in credentials");
    }
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

}  // namespace

std::string RedisEndpoint::ToString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "redis://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + std::to_string(db);
}

Result<RedisEndpoint> ParseRedisUrl(std::string_view url) {
  const auto bad = [&](const std::string& why) {
    // Never echo the password back: show the URL only up to the credentials.
    std::string shown(url);
    if (const size_t at = shown.rfind('@'); at != std::string::npos) shown = "redis://***@" + shown.substr(at + 1);
    return InvalidArgumentError("redis url \"" + shown + "\": " + why);
  };
  constexpr std::string_view kScheme = "redis://";
  if (url.rfind("rediss://", 0) == 0) return bad("TLS (rediss://) is not supported");
  if (url.rfind(kScheme, 0) != 0) return bad("expected redis://[[user]:password@]host[:port][/db]");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find('?') != std::string_view::npos) return bad("query parameters are not supported");
  RedisEndpoint ep;
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = userinfo.find(':');
    auto user = PercentDecode(colon == std::string_view::npos ? "" : userinfo.substr(0, colon), "redis://***");
    auto password = PercentDecode(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1), "redis://***");
    if (!user.ok()) return user.status();
    if (!password.ok()) return password.status();
    ep.username = *user;
    ep.password = *password;
  }
  std::string_view hostport = rest;
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!ParseInt(db, &ep.db) || ep.db < 0)) return bad("database \"" + std::string(db) + "\" is not a non-negative integer");
  }
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos) return bad("unterminated [ in IPv6 host");
    ep.host = std::string(hostport.substr(1, close - 1));
    const std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected :port after ]");
      port = after.substr(1);
    }
  } else {
    const size_t colon = hostport.rfind(':');
    ep.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (ep.host.empty()) return bad("missing host");
  if (!port.empty() || hostport.back() == ':') {
    if (!ParseInt(port, &ep.port) || ep.port < 1 || ep.port > 65535) return bad("port \"" + std::string(port) + "\" is not in 1..65535");
  }
  return ep;
}

Result<std::vector<RedisEndpoint>> ParseRedisUrlList(std::string_view urls) {
  std::vector<RedisEndpoint> out;
  size_t start = 0;
  while (start <= urls.size()) {
    size_t comma = urls.find(',', start);
    if (comma == std::string_view::npos) comma = urls.size();
    std::string_view one = urls.substr(start, comma - start);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
    if (!one.empty()) {
      CHINOOK_ASSIGN_OR_RETURN(auto ep, ParseRedisUrl(one));
      out.push_back(ep);
    }
    start = comma + 1;
  }
  if (out.empty()) return InvalidArgumentError("redis node list is empty");
  return out;
}

RedisConnection::RedisConnection(RedisEndpoint endpoint, RedisOptions options)
    : endpoint_(std::move(endpoint)),
      options_(options),
      jitter_state_(reinterpret_cast<uintptr_t>(this) | 1) {}

RedisConnection::~RedisConnection() {
  if (context_ != nullptr) redisFree(context_);
}

Status RedisConnection::Fail(std::string what) {
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
  backoff_ = backoff_.count() == 0 ? options_.min_backoff : std::min(backoff_ * 2, options_.max_backoff);
  // +-25% jitter so that many clients do not reconnect in lockstep.
  jitter_state_ ^= jitter_state_ << 13, jitter_state_ ^= jitter_state_ >> 7, jitter_state_ ^= jitter_state_ << 17;
  const double factor = 0.75 + 0.5 * static_cast<double>(jitter_state_ % 1000) / 1000.0;
  retry_at_ = std::chrono::steady_clock::now() +
              std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(backoff_.count()) * factor));
  last_error_ = endpoint_.ToString() + ": " + what;
  failed_before_ = true;
  return UnavailableError(last_error_);
}

Status RedisConnection::EnsureConnected() {
  if (context_ != nullptr) return Status::Ok();
  if (std::chrono::steady_clock::now() < retry_at_) {
    return UnavailableError(last_error_ + " (backing off before reconnecting)");
  }
  std::string error;
  context_ = internal::OpenRedisContext(endpoint_, options_, &error);
  if (context_ == nullptr) return Fail(error);
  backoff_ = std::chrono::milliseconds(0);
  if (failed_before_) reconnects_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status RedisConnection::Send(const std::vector<std::vector<std::string_view>>& commands) {
  CHINOOK_RETURN_IF_ERROR(EnsureConnected());
  // The whole pipeline encoded in one buffer (RESP: *<argc> then $<len> <bytes> per argument)
  // and handed to hiredis once: a command at a time would cost hiredis an allocation and a copy
  // each, which dominates a pipeline of many small GETs.
  std::string wire;
  size_t size = 0;
  for (const auto& command : commands) {
    size += 16;
    for (std::string_view a : command) size += a.size() + 16;
  }
  wire.reserve(size);
  for (const auto& command : commands) {
    wire += '*';
    wire += std::to_string(command.size());
    wire += "\r\n";
    for (std::string_view a : command) {
      wire += '$';
      wire += std::to_string(a.size());
      wire += "\r\n";
      wire.append(a);
      wire += "\r\n";
    }
  }
  if (redisAppendFormattedCommand(context_, wire.data(), wire.size()) != REDIS_OK) {
    return Fail(std::string("queueing commands: ") + context_->errstr);
  }
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) {
      return Fail(std::string("sending commands: ") + context_->errstr);
    }
  }
  return Status::Ok();
}

Result<std::vector<RedisReply>> RedisConnection::Receive(size_t n) {
  if (context_ == nullptr) return UnavailableError(last_error_);
  std::vector<RedisReply> replies;
  replies.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      const bool timeout = context_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
      return Fail(timeout ? "command timed out after " + std::to_string(options_.command_timeout.count()) + " ms"
                          : std::string("reading a reply: ") + context_->errstr);
    }
    auto* reply = static_cast<redisReply*>(raw);
    replies.push_back(Convert(reply));
    freeReplyObject(reply);
  }
  return replies;
}

Result<std::vector<RedisReply>> RedisConnection::Pipeline(const std::vector<std::vector<std::string_view>>& commands) {
  CHINOOK_RETURN_IF_ERROR(Send(commands));
  return Receive(commands.size());
}

Result<RedisReply> RedisConnection::Command(const std::vector<std::string_view>& args) {
  CHINOOK_ASSIGN_OR_RETURN(auto replies, Pipeline({args}));
  return std::move(replies.front());
}

RedisClient::RedisClient(RedisEndpoint endpoint, RedisOptions options) : endpoint_(std::move(endpoint)) {
  const int n = std::max(options.connections, 1);
  for (int i = 0; i < n; ++i) {
    auto slot = std::make_unique<Slot>();
    slot->connection = std::make_unique<RedisConnection>(endpoint_, options);
    slots_.push_back(std::move(slot));
  }
}

std::unique_lock<Mutex> RedisClient::Acquire(Slot** slot) {
  const uint32_t start = next_.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot* s = slots_[(start + i) % slots_.size()].get();
    std::unique_lock lock(s->mu, std::try_to_lock);
    if (lock.owns_lock()) {
      *slot = s;
      return lock;
    }
  }
  *slot = slots_[start % slots_.size()].get();
  return std::unique_lock((*slot)->mu);
}

Result<std::vector<RedisReply>> RedisClient::Pipeline(const std::vector<std::vector<std::string_view>>& commands) {
  Slot* slot = nullptr;
  auto lock = Acquire(&slot);
  slot->mu.AssertHeld();
  return slot->connection->Pipeline(commands);
}

Result<RedisReply> RedisClient::Command(const std::vector<std::string_view>& args) {
  Slot* slot = nullptr;
  auto lock = Acquire(&slot);
  slot->mu.AssertHeld();
  return slot->connection->Command(args);
}

// The analysis cannot follow locks taken in a loop over a run-time set; each connection is used
// only while its slot's lock is held in `locks`.
CHINOOK_NO_THREAD_SAFETY_ANALYSIS std::vector<Result<std::vector<RedisReply>>> RedisClient::PipelineAll(
    const std::vector<Job>& jobs) {
  std::vector<size_t> order(jobs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return jobs[a].client < jobs[b].client; });
  std::vector<std::unique_lock<Mutex>> locks(jobs.size());
  std::vector<Slot*> slots(jobs.size(), nullptr);
  for (size_t i : order) locks[i] = jobs[i].client->Acquire(&slots[i]);
  std::vector<Status> sent(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) sent[i] = slots[i]->connection->Send(*jobs[i].commands);
  std::vector<Result<std::vector<RedisReply>>> out;
  out.reserve(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!sent[i].ok()) {
      out.emplace_back(sent[i]);
    } else {
      out.push_back(slots[i]->connection->Receive(jobs[i].commands->size()));
    }
  }
  return out;
}

// Without the slots' locks (so the analysis is off): the connections live as long as the client
// and the counter is atomic.
CHINOOK_NO_THREAD_SAFETY_ANALYSIS uint64_t RedisClient::reconnects() const {
  uint64_t total = 0;
  for (const auto& slot : slots_) total += slot->connection->reconnects();
  return total;
}

namespace internal {

void ReplyDeleter::operator()(redisReply* reply) const {
  if (reply != nullptr) freeReplyObject(reply);
}

ReplyPtr RunCommand(redisContext* context, const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

std::string DescribeFailure(const redisContext* context, std::string_view step, const redisReply* reply) {
  std::string why = reply != nullptr && reply->type == REDIS_REPLY_ERROR ? std::string(reply->str, reply->len)
                    : context->err != 0                                  ? std::string(context->errstr)
                                                                         : std::string("unexpected reply");
  return std::string(step) + ": " + why;
}

redisContext* OpenRedisContext(const RedisEndpoint& endpoint, const RedisOptions& options, std::string* error) {
  redisContext* c = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, ToTimeval(options.connect_timeout));
  if (c == nullptr) {
    *error = "connect: out of memory";
    return nullptr;
  }
  const auto fail = [&](std::string_view step, const redisReply* reply) -> redisContext* {
    *error = DescribeFailure(c, step, reply);
    redisFree(c);
    return nullptr;
  };
  if (c->err != 0) return fail("connect", nullptr);
  if (redisSetTimeout(c, ToTimeval(options.command_timeout)) != REDIS_OK) return fail("setting the timeout", nullptr);
  if (!endpoint.password.empty()) {
    ReplyPtr auth = endpoint.username.empty() ? RunCommand(c, {"AUTH", endpoint.password})
                                              : RunCommand(c, {"AUTH", endpoint.username, endpoint.password});
    if (!auth || auth->type == REDIS_REPLY_ERROR) return fail("AUTH", auth.get());
  }
  if (options.readonly) {
    ReplyPtr readonly = RunCommand(c, {"READONLY"});
    if (!readonly || readonly->type == REDIS_REPLY_ERROR) return fail("READONLY", readonly.get());
  }
  if (endpoint.db != 0) {
    ReplyPtr select = RunCommand(c, {"SELECT", std::to_string(endpoint.db)});
    if (!select || select->type == REDIS_REPLY_ERROR) return fail("SELECT", select.get());
  }
  return c;
}

}  // namespace internal
}  // namespace chinook::cache
