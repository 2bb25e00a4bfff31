# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# UptimeService scenario: POST /services lists the services registered with the given token.
class ServicesController < ApplicationController
  def index
    token = params[:token]
    return render json: { error: "token must be a string" }, status: :bad_request unless token.is_a?(String)

    render json: Service.with_token(token).order(:service_id)
  end
end
