# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# FrameExtract scenario: base controller.
class ApplicationController < ActionController::API
  rescue_from ActionController::ParameterMissing, ActionController::BadRequest do
    render json: { error: "Bad request" }, status: :bad_request
  end
end
