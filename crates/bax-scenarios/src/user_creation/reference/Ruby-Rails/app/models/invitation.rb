# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# UserCreation scenario: one invitation per email address, identified by a random token.
class Invitation < ApplicationRecord
  has_secure_token :invite_id
  has_one :user, dependent: :nullify

  before_validation { self.email = email.to_s.strip.downcase }

  validates :email, presence: true, length: { maximum: 254 },
                    format: { with: URI::MailTo::EMAIL_REGEXP }, uniqueness: true

  def self.find_unused(invite_id)
    return nil unless invite_id.is_a?(String)

    find_by(invite_id: invite_id, used_at: nil)
  end
end
