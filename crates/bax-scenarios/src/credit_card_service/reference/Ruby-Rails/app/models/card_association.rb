# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# CreditCardService scenario: one link between a credit card number and a phone number.
class CardAssociation < ApplicationRecord
  validates :credit_card, presence: true, length: { maximum: 64 }
  validates :phone, presence: true, length: { maximum: 64 }, uniqueness: { scope: :credit_card }

  # The cards linked to every one of +phones+ (bound parameters only).
  def self.cards_linked_to_all(phones)
    phones = phones.uniq
    where(phone: phones)
      .group(:credit_card)
      .having("COUNT(DISTINCT phone) = ?", phones.size)
      .order(:credit_card)
      .pluck(:credit_card)
  end
end
