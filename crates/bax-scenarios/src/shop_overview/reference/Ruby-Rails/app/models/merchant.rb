# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShopOverview scenario: a merchant account; bcrypt password digest.
class Merchant < ApplicationRecord
  has_secure_password
  has_many :wares, dependent: :destroy

  before_validation { self.email = email.to_s.strip.downcase }

  validates :email, presence: true, length: { maximum: 254 },
                    format: { with: URI::MailTo::EMAIL_REGEXP }, uniqueness: true
  validates :name, presence: true, length: { maximum: 200 }
  validates :password, length: { maximum: 72 }, allow_nil: true
end
