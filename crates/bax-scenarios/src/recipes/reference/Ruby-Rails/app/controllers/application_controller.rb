# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Recipes scenario: base controller.
class ApplicationController < ActionController::API
  rescue_from ActionController::ParameterMissing, ActionController::BadRequest do
    render json: { error: "Bad request" }, status: :bad_request
  end

  rescue_from ActiveRecord::RecordNotFound do
    render json: { error: "Recipe not found" }, status: :not_found
  end

  private

  def find_recipe(id)
    raise ActiveRecord::RecordNotFound unless id.to_s.match?(/\A\d{1,18}\z/)

    Recipe.find(id)
  end
end
