# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# RecommendationService scenario: a posted product.
class Product < ApplicationRecord
  has_many :product_tags, inverse_of: :product, dependent: :delete_all

  validates :name, presence: true, length: { maximum: 1000 }

  # Products carrying at least one of +tags+ (bound parameters only).
  def self.tagged_with_any(tags)
    where(id: ProductTag.where(tag: tags).select(:product_id)).includes(:product_tags).order(:id)
  end

  def tags
    product_tags.map(&:tag)
  end
end
