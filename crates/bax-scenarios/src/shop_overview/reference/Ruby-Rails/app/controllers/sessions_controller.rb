# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShopOverview scenario: POST /merchants/login sets the session cookie.
class SessionsController < ApplicationController
  def create
    email = params[:email]
    password = params[:password]
    merchant = Merchant.find_by(email: email.strip.downcase) if email.is_a?(String)

    if merchant && password.is_a?(String) && merchant.authenticate(password)
      sign_in(merchant)
      render json: "Login successful"
    else
      render json: { error: "Invalid email or password" }, status: :unauthorized
    end
  end
end
