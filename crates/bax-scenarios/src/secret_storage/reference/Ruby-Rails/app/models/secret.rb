# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# SecretStorage scenario: a user's secret, kept encrypted (AES-256-GCM) at rest under a
# key derived from the app secret.
class Secret < ApplicationRecord
  belongs_to :user

  validates :ciphertext, presence: true

  def self.encryptor
    @encryptor ||= begin
      key = ActiveSupport::KeyGenerator.new(JsonWebToken.secret, iterations: 1000)
                                       .generate_key("secret-storage/secrets", 32)
      ActiveSupport::MessageEncryptor.new(key, cipher: "aes-256-gcm")
    end
  end

  # The secret is bound to its owner, so a ciphertext copied to another row does not decrypt.
  def value=(plaintext)
    self.ciphertext = self.class.encryptor.encrypt_and_sign(plaintext, purpose: "user:#{user_id}")
  end

  def value
    self.class.encryptor.decrypt_and_verify(ciphertext, purpose: "user:#{user_id}")
  rescue ActiveSupport::MessageEncryptor::InvalidMessage
    nil
  end
end
