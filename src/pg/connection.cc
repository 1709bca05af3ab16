// Connection of connection.h: connecting, waiting on the socket against a deadline, statements,
// pipelines and COPY. Params are in params.cc, the error mapping in errors.cc.
#include "pg/connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pg/connection_internal.h"

namespace chinook::pg {

using internal::Trimmed;

void PGresultDeleter::operator()(PGresult* r) const { PQclear(r); }

Connection::Connection(PGconn* conn) : conn_(conn), created_at_(SteadyClock::now()), last_used_(created_at_) {
  // Notices are not printed (libpq's default writes them to stderr). A FATAL error the server
  // sends while we are idle (pg_terminate_backend, shutdown) arrives here: the connection is done.
  PQsetNoticeReceiver(
      conn_,
      [](void* self, const PGresult* notice) {
        const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
        if (severity != nullptr && (std::strcmp(severity, "FATAL") == 0 || std::strcmp(severity, "PANIC") == 0)) {
          static_cast<Connection*>(self)->broken_ = true;
        }
      },
      this);
}

Connection::~Connection() { PQfinish(conn_); }

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& dsn, Deadline deadline) {
  // The DSN is expanded in place of dbname, so its settings override application_name, and
  // client_encoding (after it) overrides the DSN: our strings are UTF-8 whatever the server's
  // default.
  const char* const keywords[] = {"application_name", "dbname", "client_encoding", nullptr};
  const char* const values[] = {"chinook", dsn.c_str(), "UTF8", nullptr};
  PGconn* raw = PQconnectStartParams(keywords, values, /*expand_dbname=*/1);
  if (raw == nullptr) return UnavailableError("postgres connect: out of memory");
  std::unique_ptr<Connection> conn(new Connection(raw));
  if (PQstatus(raw) == CONNECTION_BAD) {
    return UnavailableError("postgres connect: " + Trimmed(PQerrorMessage(raw)));
  }
  PostgresPollingStatusType poll_status = PGRES_POLLING_WRITING;
  while (poll_status != PGRES_POLLING_OK) {
    if (poll_status == PGRES_POLLING_FAILED) {
      return UnavailableError("postgres connect: " + Trimmed(PQerrorMessage(raw)));
    }
    Result<short> ready = conn->WaitSocket(poll_status == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline);
    if (!ready.ok()) {
      return UnavailableError("postgres connect: no answer from the server before the deadline (" +
                              ready.status().message() + ")");
    }
    poll_status = PQconnectPoll(raw);
  }
  if (PQsetnonblocking(raw, 1) != 0) {
    return UnavailableError("postgres connect: cannot switch to non-blocking mode: " +
                            Trimmed(PQerrorMessage(raw)));
  }
  return conn;
}

Result<short> Connection::WaitSocket(short events, Deadline deadline) {
  const int fd = PQsocket(conn_);
  if (fd < 0) return ConnectionError("socket");
  for (;;) {
    const auto now = SteadyClock::now();
    if (now >= deadline) return DeadlineExceededError("deadline passed while waiting for the server");
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, INT_MAX)));
    if (n > 0) return static_cast<short>(p.revents);
    if (n < 0 && errno != EINTR) return InternalError(std::string("poll: ") + std::strerror(errno));
  }
}

Status Connection::WaitWritable(Deadline deadline) {
  Result<short> ready = WaitSocket(POLLIN | POLLOUT, deadline);
  if (!ready.ok()) return Abandon("send");
  if ((*ready & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(conn_)) return ConnectionError("receive");
  return Status::Ok();
}

Status Connection::Flush(Deadline deadline) {
  for (;;) {
    const int r = PQflush(conn_);
    if (r == 0) return Status::Ok();
    if (r < 0) return ConnectionError("send");
    CHINOOK_RETURN_IF_ERROR(WaitWritable(deadline));
  }
}

Result<ResultPtr> Connection::NextResult(Deadline deadline) {
  while (PQisBusy(conn_)) {
    Result<short> ready = WaitSocket(POLLIN, deadline);
    if (!ready.ok()) return Abandon("waiting for the result");
    if (!PQconsumeInput(conn_)) return ConnectionError("receive");
  }
  return ResultPtr(PQgetResult(conn_));
}

Result<ResultPtr> Connection::CollectResult(Deadline deadline) {
  ResultPtr last;
  Status error;
  for (;;) {
    CHINOOK_ASSIGN_OR_RETURN(auto next, NextResult(deadline));
    if (next == nullptr) break;
    switch (PQresultStatus(next.get())) {
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
      case PGRES_EMPTY_QUERY:
        if (error.ok()) last = std::move(next);
        break;
      case PGRES_COPY_IN:
      case PGRES_COPY_OUT:
      case PGRES_COPY_BOTH:
        // A COPY we did not ask for leaves the protocol mid-stream: the connection is unusable.
        broken_ = true;
        return InternalError("postgres: unexpected COPY in a plain statement");
      default:
        if (error.ok()) error = StatusFromResult(next.get(), conn_);
        break;
    }
  }
  if (!error.ok()) {
    if (PQstatus(conn_) == CONNECTION_BAD) broken_ = true;
    return error;
  }
  if (last == nullptr) return InternalError("postgres: statement returned no result");
  return last;
}

Status Connection::ConnectionError(std::string_view what) {
  broken_ = true;
  return UnavailableError("postgres " + std::string(what) + ": connection lost: " + Trimmed(PQerrorMessage(conn_)));
}

Status Connection::Abandon(std::string_view what) {
  broken_ = true;
  return DeadlineExceededError("postgres " + std::string(what) +
                               ": no answer before the deadline; connection closed");
}

Result<ResultPtr> Connection::Exec(std::string_view sql, Deadline deadline) {
  if (broken()) return UnavailableError("postgres: connection is broken");
  touch();
  if (!PQsendQuery(conn_, std::string(sql).c_str())) return ConnectionError("send");
  CHINOOK_RETURN_IF_ERROR(Flush(deadline));
  return CollectResult(deadline);
}

Result<ResultPtr> Connection::ExecParams(const std::string& sql, const Params& params, Format result_format,
                                         Deadline deadline) {
  if (broken()) return UnavailableError("postgres: connection is broken");
  touch();
  if (!PQsendQueryParams(conn_, sql.c_str(), params.size(), params.types(), params.values(), params.lengths(),
                         params.formats(), static_cast<int>(result_format))) {
    return ConnectionError("send");
  }
  CHINOOK_RETURN_IF_ERROR(Flush(deadline));
  return CollectResult(deadline);
}

Status Connection::Prepare(const StatementSpec& stmt, Deadline deadline) {
  if (prepared_.contains(stmt.name)) return Status::Ok();
  if (!PQsendPrepare(conn_, stmt.name.c_str(), stmt.sql.c_str(), static_cast<int>(stmt.param_types.size()),
                     stmt.param_types.data())) {
    return ConnectionError("send");
  }
  CHINOOK_RETURN_IF_ERROR(Flush(deadline));
  Result<ResultPtr> r = CollectResult(deadline);
  if (!r.ok()) return r.status().Annotate("prepare " + stmt.name);
  prepared_.insert(stmt.name);
  return Status::Ok();
}

Result<ResultPtr> Connection::ExecPrepared(const StatementSpec& stmt, const Params& params, Format result_format,
                                           Deadline deadline) {
  if (broken()) return UnavailableError("postgres: connection is broken");
  touch();
  CHINOOK_RETURN_IF_ERROR(Prepare(stmt, deadline));
  if (!PQsendQueryPrepared(conn_, stmt.name.c_str(), params.size(), params.values(), params.lengths(),
                           params.formats(), static_cast<int>(result_format))) {
    return ConnectionError("send");
  }
  CHINOOK_RETURN_IF_ERROR(Flush(deadline));
  return CollectResult(deadline);
}

Result<std::vector<ResultPtr>> Connection::ExecPipelined(const StatementSpec& stmt, const std::vector<Params>& params,
                                                         Format result_format, Deadline deadline) {
  if (broken()) return UnavailableError("postgres: connection is broken");
  touch();
  CHINOOK_RETURN_IF_ERROR(Prepare(stmt, deadline));
  if (!PQenterPipelineMode(conn_)) return ConnectionError("enter pipeline mode");
  // Any failure below leaves the pipeline in an unknown state: the connection is then broken.
  for (const Params& p : params) {
    if (!PQsendQueryPrepared(conn_, stmt.name.c_str(), p.size(), p.values(), p.lengths(), p.formats(),
                             static_cast<int>(result_format))) {
      return ConnectionError("send (pipeline)");
    }
  }
  if (!PQpipelineSync(conn_)) return ConnectionError("send (pipeline sync)");
  CHINOOK_RETURN_IF_ERROR(Flush(deadline));

  std::vector<ResultPtr> results;
  results.reserve(params.size());
  Status error;
  for (size_t i = 0; i < params.size(); ++i) {
    // Each query yields its result(s) and then a null marking its end.
    for (;;) {
      CHINOOK_ASSIGN_OR_RETURN(auto next, NextResult(deadline));
      if (next == nullptr) break;
      const ExecStatusType st = PQresultStatus(next.get());
      if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        results.push_back(std::move(next));
      } else if (error.ok() && st != PGRES_PIPELINE_ABORTED) {
        error = StatusFromResult(next.get(), conn_);
      }
      if (PQstatus(conn_) == CONNECTION_BAD) return ConnectionError("receive (pipeline)");
    }
  }
  CHINOOK_ASSIGN_OR_RETURN(auto sync, NextResult(deadline));
  if (sync == nullptr || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
    broken_ = true;
    return InternalError("postgres: pipeline out of step (no sync result)");
  }
  if (!PQexitPipelineMode(conn_)) return ConnectionError("exit pipeline mode");
  if (!error.ok()) return error;
  if (results.size() != params.size()) return InternalError("postgres: pipeline returned too few results");
  return results;
}

Result<int64_t> Connection::CopyIn(const std::string& copy_sql,
                                   const std::function<Status(std::string_view* chunk)>& next_chunk,
                                   Deadline deadline) {
  if (broken()) return UnavailableError("postgres: connection is broken");
  touch();
  if (!PQsendQuery(conn_, copy_sql.c_str())) return ConnectionError("send");
  CHINOOK_RETURN_IF_ERROR(Flush(deadline));
  {
    CHINOOK_ASSIGN_OR_RETURN(auto start, NextResult(deadline));
    if (start == nullptr) return InternalError("postgres: COPY returned no result");
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
      Status s = StatusFromResult(start.get(), conn_);
      Result<ResultPtr> rest = CollectResult(deadline);  // drain to ReadyForQuery
      if (!rest.ok() && rest.status().code() == StatusCode::kDeadlineExceeded) return rest.status();
      return s;
    }
  }
  Status chunk_error;
  for (;;) {
    std::string_view chunk;
    if (SteadyClock::now() >= deadline) return Abandon("copy");
    chunk_error = next_chunk(&chunk);
    if (!chunk_error.ok() || chunk.empty()) break;
    int rc;
    while ((rc = PQputCopyData(conn_, chunk.data(), static_cast<int>(chunk.size()))) == 0) {
      CHINOOK_RETURN_IF_ERROR(WaitWritable(deadline));
    }
    // -1 with a live connection: the server ended the COPY early with an error, collected below.
    if (rc < 0) {
      if (PQstatus(conn_) == CONNECTION_BAD) return ConnectionError("send (copy)");
      break;
    }
  }
  const std::string abort_reason = chunk_error.ok() ? "" : "aborted by client: " + chunk_error.message();
  int rc;
  while ((rc = PQputCopyEnd(conn_, chunk_error.ok() ? nullptr : abort_reason.c_str())) == 0) {
    CHINOOK_RETURN_IF_ERROR(WaitWritable(deadline));
  }
  if (rc < 0 && PQstatus(conn_) == CONNECTION_BAD) return ConnectionError("send (copy end)");
  CHINOOK_RETURN_IF_ERROR(Flush(deadline));
  Result<ResultPtr> done = CollectResult(deadline);
  if (!chunk_error.ok()) {
    // The server rolled the COPY back; report why we aborted it, unless the connection died.
    if (broken()) return done.ok() ? UnavailableError("postgres: connection lost during COPY") : done.status();
    return chunk_error;
  }
  if (!done.ok()) return done.status();
  return static_cast<int64_t>(std::strtoll(PQcmdTuples(done->get()), nullptr, 10));
}

bool Connection::PeerClosed() {
  const int fd = PQsocket(conn_);
  if (fd < 0) return true;
  // Something arriving while idle is a notice, or a termination message followed by EOF; read
  // until nothing is left so that the EOF, if any, is seen now rather than by the next statement.
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return broken();
    if (!PQconsumeInput(conn_)) return true;
    (void)PQisBusy(conn_);  // parses what arrived, so the notice receiver sees a FATAL message
    if (broken()) return true;
  }
}

bool Connection::broken() const {
  if (broken_ || PQstatus(conn_) != CONNECTION_OK) return true;
  const PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_ACTIVE || t == PQTRANS_UNKNOWN;
}

bool Connection::in_transaction() const {
  const PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

}  // namespace chinook::pg
