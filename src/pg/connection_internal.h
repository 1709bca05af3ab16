// Internal to the libpq wrappers of connection.h (connection.cc, errors.cc): what both the
// connection and the error mapping use. Not part of connection.h's interface.
//
// Thread safety: pure functions.
#ifndef CHINOOK_PG_CONNECTION_INTERNAL_H_
#define CHINOOK_PG_CONNECTION_INTERNAL_H_

#include <string>

namespace chinook::pg::internal {

// libpq messages span lines ("...unexpectedly\n\tThis probably means..."); ours are one line:
// each run of whitespace becomes one space.
std::string Trimmed(const char* message);

}  // namespace chinook::pg::internal

#endif  // CHINOOK_PG_CONNECTION_INTERNAL_H_
