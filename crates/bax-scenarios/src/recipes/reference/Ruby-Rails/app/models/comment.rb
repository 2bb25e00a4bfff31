# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Recipes scenario: a comment on a recipe.
class Comment < ApplicationRecord
  belongs_to :recipe

  validates :body, presence: true, length: { maximum: 5000 }
end
