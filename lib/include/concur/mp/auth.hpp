// concur/mp/auth.hpp - proving both ends of a connection know the same secret key.
//
// The handshake of Python's multiprocessing.connection, in C++: one side sends a random
// challenge; the other answers with HMAC-SHA256(key, challenge); the first compares in
// constant time and says welcome or failure. Then the roles swap, so each side has
// proven the key to the other. The key itself never crosses, and a recorded answer is
// worth nothing next time (the challenge is new each time). OpenSSL's libcrypto provides
// the HMAC and the random bytes.
//
//     server: deliver_challenge(conn, key); answer_challenge(conn, key);
//     client: answer_challenge(conn, key); deliver_challenge(conn, key);
//
// A wrong key ends with AuthenticationError on both sides; the connection is then
// useless and should be closed.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "concur/mp/connection.hpp"

namespace concur::mp {

class AuthenticationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sends a challenge and checks the answer (throws AuthenticationError if it is wrong).
void deliver_challenge(Connection& conn, std::string_view key);
// Answers the other side's challenge (throws AuthenticationError if refused).
void answer_challenge(Connection& conn, std::string_view key);

// HMAC-SHA256(key, message), 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

// The key from $CONCUR_AUTHKEY, or from the file `path` when given (trailing newline
// dropped). Throws std::runtime_error naming what is missing or empty.
std::string load_authkey(const std::string& path = {});

}  // namespace concur::mp
