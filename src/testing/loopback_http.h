// A plain-socket client for tests of the servers the tools start on loopback (/metrics).
//
// Test support: blocking, with a 2 s receive timeout so a server that never answers fails the
// test instead of hanging it.
#ifndef CHINOOK_SRC_TESTING_LOOPBACK_HTTP_H_
#define CHINOOK_SRC_TESTING_LOOPBACK_HTTP_H_

#include <string>
#include <string_view>

namespace chinook::testing {

// Sends `request` to 127.0.0.1:port, half-closes the connection (the request is complete; the
// answer still comes back) and returns everything the server sends before it closes; "" when
// the connection fails.
std::string ExchangeOnLoopback(int port, std::string_view request);

// GET http://127.0.0.1:port/path over HTTP/1.0; the whole response, or "" on error.
std::string HttpGet(int port, std::string_view path);

// The status code of an HTTP response ("HTTP/1.x 200 OK..." gives 200), whichever version the
// server answered in; 0 when `response` does not start with a status line.
int HttpStatus(std::string_view response);

}  // namespace chinook::testing

#endif  // CHINOOK_SRC_TESTING_LOOPBACK_HTTP_H_
