# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShoppingCartService scenario: a cart, addressed by a random token rather than its row id.
class Cart < ApplicationRecord
  class InvalidQuantity < StandardError; end

  has_secure_token :token
  has_many :cart_items, -> { order(:item_id) }, dependent: :destroy

  def self.find_by_token(token)
    find_by(token: token) if token.is_a?(String)
  end

  # Adds +count+ units of +item_id+ (negative removes); a count never drops below zero.
  def change_quantity!(item_id, count)
    transaction do
      item = cart_items.lock.find_or_initialize_by(item_id: item_id)
      quantity = item.count.to_i + count
      raise InvalidQuantity if quantity.negative?

      quantity.zero? ? (item.destroy! if item.persisted?) : item.update!(count: quantity)
    end
  end
end
