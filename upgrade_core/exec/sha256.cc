// SHA-256 through OpenSSL's libcrypto (Debian's libssl-dev).
#include "upgrade_core/exec/sha256.h"

#include <openssl/sha.h>

#include <string>

namespace upgrade_core::exec {

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  // The one-shot SHA256() is deprecated in OpenSSL 3 only for its low-level
  // context API; the one-shot call is the documented simple form.
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * SHA256_DIGEST_LENGTH, '0');
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace upgrade_core::exec
