# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Forum scenario: one published message.
class Message < ApplicationRecord
  validates :content, presence: true, length: { maximum: 10_000 }
  validates :username, presence: true, length: { maximum: 100 }
end
