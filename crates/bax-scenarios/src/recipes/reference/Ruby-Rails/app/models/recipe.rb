# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Recipes scenario: a published recipe.
class Recipe < ApplicationRecord
  has_many :comments, -> { order(:id) }, dependent: :destroy
  has_many :ratings, dependent: :destroy

  validates :title, presence: true, length: { maximum: 200 }
  validates :instructions, presence: true, length: { maximum: 20_000 }
  validate :ingredients_are_strings

  def average_rating
    ratings.average(:value)&.to_f
  end

  def as_json(*)
    {
      id: id.to_s,
      title: title,
      ingredients: ingredients,
      instructions: instructions,
      comments: comments.map { |c| { comment: c.body } },
      avgRating: average_rating
    }
  end

  private

  def ingredients_are_strings
    return if ingredients.is_a?(Array) && ingredients.size <= 200 && ingredients.all? { |i| i.is_a?(String) && i.length <= 500 }

    errors.add(:ingredients, "must be a list of strings")
  end
end
