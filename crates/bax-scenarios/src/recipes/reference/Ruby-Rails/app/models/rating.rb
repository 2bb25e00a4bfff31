# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Recipes scenario: a rating of a recipe, from 1 to 5.
class Rating < ApplicationRecord
  belongs_to :recipe

  validates :value, numericality: { only_integer: true, greater_than_or_equal_to: 1, less_than_or_equal_to: 5 }
end
