# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Login scenario: registration and sign-in with bcrypt passwords and signed JWTs.
require "openssl"
require "base64"

# HS256 JSON Web Tokens, signed with the app secret (APP_SECRET, else secret_key_base).
# Only HS256 is accepted, signatures are compared in constant time, and expiry is enforced.
module JsonWebToken
  ALGORITHM = "HS256"
  LIFETIME = 1.hour

  module_function

  def secret
    ENV["APP_SECRET"].presence || Rails.application.secret_key_base
  end

  def encode(payload)
    now = Time.now.to_i
    claims = payload.merge(iat: now, exp: now + LIFETIME.to_i, jti: SecureRandom.uuid)
    signing_input = [segment(typ: "JWT", alg: ALGORITHM), segment(claims)].join(".")
    "#{signing_input}.#{base64url(sign(signing_input))}"
  end

  # The token's claims, or nil when the token is malformed, forged or expired.
  def decode(token)
    return nil unless token.is_a?(String) && token.bytesize <= 4096

    header_b64, payload_b64, signature_b64 = token.split(".", -1)
    return nil unless signature_b64 && token.count(".") == 2

    header = JSON.parse(unbase64url(header_b64))
    return nil unless header.is_a?(Hash) && header["alg"] == ALGORITHM

    expected = sign("#{header_b64}.#{payload_b64}")
    return nil unless ActiveSupport::SecurityUtils.secure_compare(expected, unbase64url(signature_b64))

    claims = JSON.parse(unbase64url(payload_b64))
    return nil unless claims.is_a?(Hash) && claims["exp"].is_a?(Integer) && claims["exp"] > Time.now.to_i

    claims
  rescue JSON::ParserError, ArgumentError
    nil
  end

  def sign(data)
    OpenSSL::HMAC.digest("SHA256", secret, data)
  end

  def segment(hash)
    base64url(hash.to_json)
  end

  def base64url(data)
    Base64.urlsafe_encode64(data, padding: false)
  end

  def unbase64url(data)
    Base64.urlsafe_decode64(data.to_s)
  end
end
