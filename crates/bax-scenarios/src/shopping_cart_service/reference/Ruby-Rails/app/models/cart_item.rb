# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShoppingCartService scenario: how many units of one item a cart holds.
class CartItem < ApplicationRecord
  belongs_to :cart

  validates :item_id, numericality: { only_integer: true }
  validates :count, numericality: { only_integer: true, greater_than: 0 }
end
