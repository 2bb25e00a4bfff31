# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Login scenario: an account; the password is stored only as a bcrypt digest.
class User < ApplicationRecord
  has_secure_password

  before_validation { self.email = email.to_s.strip.downcase }

  validates :email, presence: true, length: { maximum: 254 },
                    format: { with: URI::MailTo::EMAIL_REGEXP },
                    uniqueness: { case_sensitive: false }
  validates :name, length: { maximum: 200 }
  validates :password, length: { maximum: 72 }, allow_nil: true
end
