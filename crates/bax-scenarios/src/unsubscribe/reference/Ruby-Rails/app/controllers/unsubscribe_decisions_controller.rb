# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Unsubscribe scenario: POST /decideUnsubscribe takes an email (as text/plain, or as JSON
# {"content": ...}) and answers with its sender and whether they asked to unsubscribe.
class UnsubscribeDecisionsController < ApplicationController
  MAX_EMAIL_BYTES = 1 * 1024 * 1024

  def create
    raw = email_text
    return render json: { error: "The email is missing or too large" }, status: :bad_request unless raw

    email = EmailMessage.new(raw)
    sender = email.sender
    return render json: { error: "The email has no sender" }, status: :bad_request unless sender

    render json: { email: sender, unsubscribe: email.unsubscribe_request? }
  end

  private

  def email_text
    return nil if request.content_length.to_i > MAX_EMAIL_BYTES

    raw = request.raw_post
    return nil if raw.nil? || raw.bytesize > MAX_EMAIL_BYTES

    if request.content_mime_type == Mime[:json]
      content = params[:content]
      return content.is_a?(String) ? content : nil
    end
    raw
  end
end
