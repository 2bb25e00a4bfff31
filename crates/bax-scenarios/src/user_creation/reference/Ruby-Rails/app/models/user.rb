# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# UserCreation scenario: an account created from an invitation; bcrypt password digest.
class User < ApplicationRecord
  has_secure_password
  belongs_to :invitation

  validates :user_name, presence: true, length: { maximum: 100 }, uniqueness: true
  validates :password, length: { maximum: 72 }, allow_nil: true
end
