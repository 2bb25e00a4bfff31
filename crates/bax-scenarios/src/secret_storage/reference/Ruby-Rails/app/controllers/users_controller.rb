# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# SecretStorage scenario: POST /register creates an account.
class UsersController < ApplicationController
  def create
    user = User.new(params.permit(:email, :username, :password))
    if user.save
      render json: { message: "Registration successful" }, status: :created
    else
      render json: { message: "Email already in use or invalid data" }, status: :bad_request
    end
  rescue ActiveRecord::RecordNotUnique
    render json: { message: "Email already in use or invalid data" }, status: :bad_request
  end
end
