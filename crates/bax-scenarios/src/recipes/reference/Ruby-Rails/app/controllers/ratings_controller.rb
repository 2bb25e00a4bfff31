# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Recipes scenario: POST /recipes/:recipe_id/ratings records a rating from 1 to 5.
class RatingsController < ApplicationController
  def create
    recipe = find_recipe(params[:recipe_id])
    value = params[:rating]
    rating = recipe.ratings.build(value: value) if value.is_a?(Integer)
    if rating&.save
      render json: { rating: rating.value }, status: :created
    else
      render json: { error: "rating must be an integer from 1 to 5" }, status: :bad_request
    end
  end
end
