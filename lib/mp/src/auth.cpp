#include "concur/mp/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace concur::mp {
namespace {

constexpr std::string_view kChallenge = "#CHALLENGE#";
constexpr std::string_view kWelcome = "#WELCOME#";
constexpr std::string_view kFailure = "#FAILURE#";
constexpr std::string_view kClientRole = "concur client";
constexpr std::string_view kServerRole = "concur server";
constexpr std::size_t kChallengeBytes = 32;
constexpr std::size_t kHandshakeFrame = 256;  // no handshake message is longer

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), out, &length) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(out), length);
}

namespace {

std::string nonce() {
  std::string bytes(kChallengeBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("no random bytes for the challenge");
  return bytes;
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The proof one side gives: its role, then the nonces, the other side's first.
std::string proof(std::string_view key, std::string_view role, std::string_view first, std::string_view second) {
  std::string message(role);
  message.append(first).append(second);
  return hmac_sha256(key, message);
}

// Limits the frames of the handshake, whatever the connection allows afterwards.
class HandshakeFrames {
 public:
  explicit HandshakeFrames(Connection& conn) : conn_(conn), old_(conn.max_frame()) { conn.set_max_frame(kHandshakeFrame); }
  ~HandshakeFrames() { conn_.set_max_frame(old_); }
  HandshakeFrames(const HandshakeFrames&) = delete;
  HandshakeFrames& operator=(const HandshakeFrames&) = delete;

 private:
  Connection& conn_;
  std::size_t old_;
};

}  // namespace

std::string random_authkey() {
  const std::string bytes = nonce().substr(0, 16);
  std::string hex;
  for (const char c : bytes) hex += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return hex;
}

void server_handshake(Connection& conn, std::string_view key) {
  HandshakeFrames limit(conn);
  const std::string ns = nonce();
  conn.send_bytes(std::string(kChallenge) + ns);
  const std::string answer = conn.recv_bytes();
  const std::string_view nc = std::string_view(answer).substr(0, kChallengeBytes);
  const bool ok = answer.size() == 2 * kChallengeBytes &&
                  same(std::string_view(answer).substr(kChallengeBytes), proof(key, kClientRole, ns, nc));
  if (!ok) {
    conn.send_bytes(kFailure);
    throw AuthenticationError("the other side does not have the key (its answer to the challenge was wrong)");
  }
  conn.send_bytes(std::string(kWelcome) + proof(key, kServerRole, nc, ns));
}

void client_handshake(Connection& conn, std::string_view key) {
  HandshakeFrames limit(conn);
  const std::string message = conn.recv_bytes();
  if (message == kBusyGreeting) throw std::runtime_error("the server is at its connection limit and turned us away");
  if (message.size() != kChallenge.size() + kChallengeBytes || message.rfind(kChallenge, 0) != 0)
    throw AuthenticationError("the other side did not send a challenge (is it a concur manager?)");
  const std::string ns = message.substr(kChallenge.size());
  const std::string nc = nonce();
  conn.send_bytes(nc + proof(key, kClientRole, ns, nc));
  const std::string verdict = conn.recv_bytes();
  if (verdict == kFailure) throw AuthenticationError("the other side refused our key (authentication failed)");
  if (verdict.rfind(kWelcome, 0) != 0 || !same(std::string_view(verdict).substr(kWelcome.size()), proof(key, kServerRole, nc, ns)))
    throw AuthenticationError("the server did not prove it has the key (an impostor, or a different key)");
}

std::string load_authkey(const std::string& path) {
  std::string key;
  if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read the auth key file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    key = text.str();
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
    if (key.empty()) throw std::runtime_error("the auth key file " + path + " is empty");
    return key;
  }
  const char* env = std::getenv("CONCUR_AUTHKEY");
  if (env == nullptr || *env == '\0')
    throw std::runtime_error("no auth key: set CONCUR_AUTHKEY or give --authkey-file PATH");
  return env;
}

}  // namespace concur::mp
