// concur/mp/auth.hpp - proving both ends of a connection know the same secret key.
//
// The idea of Python's multiprocessing.connection handshake (challenge, HMAC answer),
// in an order and a form that also stop a relay from borrowing one side's answers:
//
//   1. server -> client   "#CHALLENGE#" Ns                     (Ns: 32 fresh random bytes)
//   2. client -> server   Nc, HMAC(key, "concur client" Ns Nc) (Nc: the client's own 32)
//   3. server -> client   "#WELCOME#" HMAC(key, "concur server" Nc Ns), or "#FAILURE#"
//
// The server speaks for the key only after the client has proven it, and the client
// sends nothing but its proof before it has checked the server's. Each proof names its
// direction and covers both nonces, so it is good for this connection and this role
// only: an answer cannot be replayed later, reflected back as the other side's proof, or
// carried to another connection. The client never computes an HMAC over bytes the other
// side chose alone (its own Nc is in it), so an impostor server cannot use it to sign a
// challenge it got elsewhere and open its own connection with it. The key itself never
// crosses. OpenSSL's libcrypto provides the HMAC, the random bytes and the
// constant-time comparison.
//
// What it cannot stop: a relay that forwards every byte of a real conversation between a
// real client and the real server. The two then really talk to each other; the relay can
// only watch (nothing is encrypted) or cut in after the handshake, which only TLS would
// prevent.
//
//     server: server_handshake(conn, key);
//     client: client_handshake(conn, key);
//
// Both block until the handshake is done: give the connection a deadline
// (Connection::set_deadline) so a silent peer cannot hold them. A wrong key ends with
// AuthenticationError on the side that found it out; the connection is then useless and
// should be closed.
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

// What a server at its connection limit sends instead of a challenge, before it hangs up:
// client_handshake() then fails with a message saying so.
inline constexpr std::string_view kBusyGreeting = "#BUSY#";

// The server's side: challenges the client, checks its proof, then proves the key back.
// Throws AuthenticationError when the client's proof is wrong (the client is told
// "#FAILURE#" and learns nothing about the key).
void server_handshake(Connection& conn, std::string_view key);
// The client's side: answers the challenge with its own nonce mixed in, then checks the
// server's proof. Throws AuthenticationError when the server refused our key or could not
// prove it has the key itself.
void client_handshake(Connection& conn, std::string_view key);

// A fresh random key, 32 hex digits (128 bits), for a run that has none.
std::string random_authkey();

// HMAC-SHA256(key, message), 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

// The key from $CONCUR_AUTHKEY, or from the file `path` when given (trailing newline
// dropped). Throws std::runtime_error naming what is missing or empty.
std::string load_authkey(const std::string& path = {});

}  // namespace concur::mp
