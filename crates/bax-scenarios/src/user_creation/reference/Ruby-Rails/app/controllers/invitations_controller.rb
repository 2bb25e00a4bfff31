# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# UserCreation scenario: POST /invite_user returns the (single) invitation for an email.
class InvitationsController < ApplicationController
  def create
    email = params[:email]
    return render json: { message: "email must be a string" }, status: :bad_request unless email.is_a?(String)

    invitation = Invitation.find_or_create_by(email: email.strip.downcase)
    if invitation.persisted?
      render json: { invite_id: invitation.invite_id, message: "Invitation created" }
    else
      render json: { message: "Invalid email" }, status: :bad_request
    end
  rescue ActiveRecord::RecordNotUnique
    invitation = Invitation.find_by!(email: email.strip.downcase)
    render json: { invite_id: invitation.invite_id, message: "Invitation created" }
  end
end
