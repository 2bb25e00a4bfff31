# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# SecretStorage scenario: base controller with bearer-token authentication.
class ApplicationController < ActionController::API
  include ActionController::HttpAuthentication::Token::ControllerMethods

  rescue_from ActionController::ParameterMissing, ActionController::BadRequest do
    render json: { message: "Invalid data" }, status: :bad_request
  end

  private

  attr_reader :current_user

  def authenticate_user!
    @current_user = authenticate_with_http_token do |token, _options|
      claims = JsonWebToken.decode(token)
      User.find_by(id: claims["sub"]) if claims
    end
    render json: { message: "Invalid authentication token" }, status: :unauthorized unless @current_user
  end
end
