# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ProductCatalog scenario: one free-form property of a product.
class ProductProperty < ApplicationRecord
  belongs_to :product

  validates :key, presence: true
end
