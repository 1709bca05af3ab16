#include "cache/invalidation_listener.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

namespace chinook::cache {
namespace {

constexpr std::string_view kInvalidateChannel = "__redis__:invalidate";

using internal::ReplyPtr;
using internal::RunCommand;

// Opens the tracking subscription; nullptr (and *error says why) when any step fails.
redisContext* Subscribe(const RedisEndpoint& ep, const InvalidationListenerOptions& options, std::string* error) {
  redisContext* c = internal::OpenRedisContext(ep, options.connection, error);
  if (c == nullptr) {
    *error = ep.ToString() + ": " + *error;
    return nullptr;
  }
  const auto fail = [&](std::string_view step, const redisReply* reply) -> redisContext* {
    *error = ep.ToString() + ": " + internal::DescribeFailure(c, step, reply);
    redisFree(c);
    return nullptr;
  };
  if (!options.client_name.empty()) {
    ReplyPtr named = RunCommand(c, {"CLIENT", "SETNAME", options.client_name});
    if (!named || named->type == REDIS_REPLY_ERROR) return fail("CLIENT SETNAME", named.get());
  }
  ReplyPtr id = RunCommand(c, {"CLIENT", "ID"});
  if (!id || id->type != REDIS_REPLY_INTEGER) return fail("CLIENT ID", id.get());
  const std::string redirect = std::to_string(id->integer);
  ReplyPtr tracking = RunCommand(c, {"CLIENT", "TRACKING", "on", "REDIRECT", redirect, "BCAST", "PREFIX", options.prefix});
  if (!tracking || tracking->type == REDIS_REPLY_ERROR) return fail("CLIENT TRACKING", tracking.get());
  ReplyPtr subscribed = RunCommand(c, {"SUBSCRIBE", kInvalidateChannel});
  if (!subscribed || subscribed->type != REDIS_REPLY_ARRAY) return fail("SUBSCRIBE", subscribed.get());
  return c;
}

bool SameServer(const RedisEndpoint& a, const RedisEndpoint& b) { return a.host == b.host && a.port == b.port; }

}  // namespace

InvalidationListener::InvalidationListener(std::vector<RedisEndpoint> servers, InvalidationListenerOptions options,
                                           KeysCallback on_keys, FlushCallback on_flush)
    : options_(std::move(options)),
      on_keys_(std::move(on_keys)),
      on_flush_(std::move(on_flush)),
      wake_fd_(eventfd(0, EFD_CLOEXEC)) {
  {
    MutexLock lock(&servers_mu_);
    for (auto& server : servers) Start(std::move(server));
  }
  if (options_.discover) discovery_ = std::thread([this] { Discover(); });
}

InvalidationListener::~InvalidationListener() {
  stopping_ = true;
  const uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof one) != sizeof one) {
    // Cannot happen for an eventfd below its maximum; the threads still notice `stopping_` at
    // their next poll timeout.
  }
  if (discovery_.joinable()) discovery_.join();  // no subscription is added after this
  std::vector<Subscription*> subs;
  {
    MutexLock lock(&servers_mu_);  // not held while joining: a thread that follows takes it
    for (auto& sub : subscriptions_) subs.push_back(sub.get());
  }
  for (Subscription* sub : subs) sub->thread.join();
  close(wake_fd_);
}

void InvalidationListener::Start(RedisEndpoint server) {
  down_.fetch_add(1, std::memory_order_acq_rel);  // down until its thread has subscribed
  auto sub = std::make_unique<Subscription>();
  sub->server = std::move(server);
  Subscription* raw = sub.get();
  subscriptions_.push_back(std::move(sub));
  raw->thread = std::thread([this, raw] { Run(raw); });
}

void InvalidationListener::Discover() {
  while (SleepUnlessStopping(options_.discover_interval)) {
    const std::vector<RedisEndpoint> servers = options_.discover();
    MutexLock lock(&servers_mu_);
    for (const RedisEndpoint& server : servers) {
      const bool listened = std::any_of(subscriptions_.begin(), subscriptions_.end(),
                                        [&](const auto& sub) { return SameServer(sub->server, server); });
      if (listened) continue;
      discovered_.fetch_add(1);
      Start(server);
    }
  }
}

bool InvalidationListener::SleepUnlessStopping(std::chrono::milliseconds d) const {
  pollfd wake{wake_fd_, POLLIN, 0};
  poll(&wake, 1, static_cast<int>(d.count()));
  return !stopping_.load();
}

bool InvalidationListener::healthy() const { return down_.load(std::memory_order_acquire) == 0; }

bool InvalidationListener::WaitUntilHealthy(std::chrono::steady_clock::time_point deadline) const {
  while (!healthy() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return healthy();
}

InvalidationListenerStats InvalidationListener::Stats() const {
  InvalidationListenerStats s{keys_invalidated_.load(), flushes_.load(), reconnects_.load(),
                              followed_.load(),         discovered_.load(), {}};
  MutexLock lock(&error_mu_);
  s.last_error = last_error_;
  return s;
}

void InvalidationListener::Run(Subscription* sub) {
  RedisEndpoint ep;  // may move to a successor (options_.follow)
  {
    MutexLock lock(&servers_mu_);
    ep = sub->server;
  }
  std::chrono::milliseconds backoff{0};
  bool ever_connected = false;
  const auto flush = [&] {
    flushes_.fetch_add(1);
    on_flush_();
  };

  const auto record_error = [&](std::string error) {
    MutexLock lock(&error_mu_);
    last_error_ = std::move(error);
  };
  while (!stopping_.load()) {
    std::string error;
    redisContext* c = Subscribe(ep, options_, &error);
    if (c == nullptr) {
      record_error(std::move(error));
      if (options_.follow) {
        if (auto next = options_.follow(ep); next.has_value() && !SameServer(*next, ep)) {
          ep = std::move(*next);
          followed_.fetch_add(1);
          MutexLock lock(&servers_mu_);
          sub->server = ep;
          continue;  // the successor is up (it answered the cluster's map): try it at once
        }
      }
      backoff = backoff.count() == 0 ? options_.connection.min_backoff
                                     : std::min(backoff * 2, options_.connection.max_backoff);
      if (!SleepUnlessStopping(backoff)) break;
      continue;
    }
    backoff = std::chrono::milliseconds(0);
    if (ever_connected) reconnects_.fetch_add(1);
    ever_connected = true;
    down_.fetch_sub(1, std::memory_order_acq_rel);
    flush();  // whatever was cached while nobody listened is suspect

    auto last_heard = std::chrono::steady_clock::now();
    bool awaiting_pong = false;
    std::chrono::steady_clock::time_point pong_deadline;
    bool alive = true;
    while (alive && !stopping_.load()) {
      void* raw = nullptr;
      while (alive && (alive = redisGetReplyFromReader(c, &raw) == REDIS_OK) && raw != nullptr) {
        ReplyPtr reply(static_cast<redisReply*>(raw));
        raw = nullptr;
        last_heard = std::chrono::steady_clock::now();
        awaiting_pong = false;
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
            reply->element[0]->type != REDIS_REPLY_STRING ||
            std::string_view(reply->element[0]->str, reply->element[0]->len) != "message") {
          continue;  // subscribe confirmations, PONGs
        }
        const redisReply* payload = reply->element[2];
        if (payload->type == REDIS_REPLY_ARRAY) {
          std::vector<std::string> keys;
          keys.reserve(payload->elements);
          for (size_t i = 0; i < payload->elements; ++i) {
            if (payload->element[i]->type == REDIS_REPLY_STRING) {
              keys.emplace_back(payload->element[i]->str, payload->element[i]->len);
            }
          }
          keys_invalidated_.fetch_add(keys.size());
          on_keys_(keys);
        } else {
          flush();  // nil: FLUSHDB / FLUSHALL
        }
      }
      if (!alive) break;
      pollfd fds[2] = {{c->fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      const int ready = poll(fds, 2, 50);
      if (ready < 0 && errno != EINTR) break;
      if (fds[1].revents != 0) break;
      if (fds[0].revents != 0 && redisBufferRead(c) != REDIS_OK) break;  // closed or failed
      const auto now = std::chrono::steady_clock::now();
      if (awaiting_pong && now > pong_deadline) break;  // the server stopped answering
      if (!awaiting_pong && now - last_heard >= options_.health_check_interval) {
        int done = 0;
        if (redisAppendCommand(c, "PING") != REDIS_OK) break;
        while (!done) {
          if (redisBufferWrite(c, &done) != REDIS_OK) {
            alive = false;
            break;
          }
        }
        awaiting_pong = true;
        pong_deadline = now + std::max(options_.connection.command_timeout, std::chrono::milliseconds(100));
      }
    }
    down_.fetch_add(1, std::memory_order_acq_rel);
    if (!stopping_.load()) {
      record_error(ep.ToString() + ": invalidation subscription lost: " +
                   (c->err != 0 ? std::string(c->errstr) : std::string("no answer to PING or connection closed")));
    }
    redisFree(c);
    if (!stopping_.load()) flush();  // messages may have been lost
  }
}

}  // namespace chinook::cache
