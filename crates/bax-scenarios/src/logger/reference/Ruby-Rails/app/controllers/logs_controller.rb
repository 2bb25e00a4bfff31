# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Logger scenario: POST /log records a message; GET /logs returns all of them.
class LogsController < ApplicationController
  MAX_MESSAGE_LENGTH = 10_000

  def create
    message = params.require(:message)
    unless message.is_a?(String) && message.length <= MAX_MESSAGE_LENGTH
      return render json: { error: "message must be a string" }, status: :bad_request
    end

    LogFile.append(message)
    render json: { status: "logged" }
  end

  def index
    render plain: LogFile.read
  end
end
