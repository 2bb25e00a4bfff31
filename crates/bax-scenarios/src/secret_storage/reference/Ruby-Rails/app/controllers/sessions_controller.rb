# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# SecretStorage scenario: POST /login checks the credentials and returns a signed token.
class SessionsController < ApplicationController
  def create
    email = params[:email]
    password = params[:password]
    user = User.find_by(email: email.strip.downcase) if email.is_a?(String)

    if user && password.is_a?(String) && user.authenticate(password)
      token = JsonWebToken.encode(sub: user.id.to_s)
      render json: { token: token, message: "Login successful" }
    else
      render json: { message: "Invalid email or password" }, status: :unauthorized
    end
  end
end
