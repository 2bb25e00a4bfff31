# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# RecommendationService scenario: one tag of a product.
class ProductTag < ApplicationRecord
  belongs_to :product

  validates :tag, presence: true, length: { maximum: 200 }
end
