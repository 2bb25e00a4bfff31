# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Login scenario: POST /register creates an account.
class UsersController < ApplicationController
  def create
    user = User.new(registration_params)
    if user.save
      render json: { message: "Registration successful" }, status: :created
    else
      render json: { message: "Email already in use or invalid data" }, status: :bad_request
    end
  rescue ActiveRecord::RecordNotUnique
    render json: { message: "Email already in use or invalid data" }, status: :bad_request
  end

  private

  def registration_params
    params.permit(:email, :password, :name)
  end
end
