# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# SecretStorage scenario: an account; the password is stored only as a bcrypt digest.
class User < ApplicationRecord
  has_secure_password
  has_one :secret, dependent: :destroy

  before_validation { self.email = email.to_s.strip.downcase }

  validates :email, presence: true, length: { maximum: 254 },
                    format: { with: URI::MailTo::EMAIL_REGEXP },
                    uniqueness: { case_sensitive: false }
  validates :username, presence: true, length: { maximum: 100 }, uniqueness: true
  validates :password, length: { maximum: 72 }, allow_nil: true
end
