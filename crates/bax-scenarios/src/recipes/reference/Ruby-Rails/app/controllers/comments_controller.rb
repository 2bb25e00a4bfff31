# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Recipes scenario: POST /recipes/:recipe_id/comments adds a comment.
class CommentsController < ApplicationController
  def create
    recipe = find_recipe(params[:recipe_id])
    text = params[:comment]
    comment = recipe.comments.build(body: text) if text.is_a?(String)
    if comment&.save
      render json: { comment: comment.body }, status: :created
    else
      render json: { error: "comment must be a non-empty string" }, status: :bad_request
    end
  end
end
