#include "concur/mp/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace concur::mp {
namespace {

constexpr std::string_view kChallenge = "#CHALLENGE#";
constexpr std::string_view kWelcome = "#WELCOME#";
constexpr std::string_view kFailure = "#FAILURE#";
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

void deliver_challenge(Connection& conn, std::string_view key) {
  std::string challenge(kChallengeBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(challenge.data()), static_cast<int>(challenge.size())) != 1)
    throw std::runtime_error("no random bytes for the challenge");
  const std::size_t old_max = conn.max_frame();
  conn.set_max_frame(kHandshakeFrame);
  conn.send_bytes(std::string(kChallenge) + challenge);
  const std::string answer = conn.recv_bytes();
  const std::string expected = hmac_sha256(key, challenge);
  const bool ok = answer.size() == expected.size() && CRYPTO_memcmp(answer.data(), expected.data(), expected.size()) == 0;
  conn.send_bytes(ok ? kWelcome : kFailure);
  conn.set_max_frame(old_max);
  if (!ok) throw AuthenticationError("the other side does not have the key (its answer to the challenge was wrong)");
}

void answer_challenge(Connection& conn, std::string_view key) {
  const std::size_t old_max = conn.max_frame();
  conn.set_max_frame(kHandshakeFrame);
  const std::string message = conn.recv_bytes();
  if (message.substr(0, kChallenge.size()) != kChallenge)
    throw AuthenticationError("the other side did not send a challenge");
  conn.send_bytes(hmac_sha256(key, std::string_view(message).substr(kChallenge.size())));
  const std::string verdict = conn.recv_bytes();
  conn.set_max_frame(old_max);
  if (verdict != kWelcome) throw AuthenticationError("the other side refused our key (authentication failed)");
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
