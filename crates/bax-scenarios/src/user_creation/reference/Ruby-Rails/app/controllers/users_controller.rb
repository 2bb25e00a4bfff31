# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# UserCreation scenario: POST /create_user redeems an unused invitation for an account.
class UsersController < ApplicationController
  def create
    invitation = Invitation.find_unused(params[:invite_id])
    return render json: { message: "Invalid invite_id" }, status: :unauthorized unless invitation

    user_name = params[:user_name]
    password = params[:password]
    unless user_name.is_a?(String) && password.is_a?(String)
      return render json: { message: "user_name and password must be strings" }, status: :bad_request
    end

    user = User.new(invitation: invitation, user_name: user_name, password: password)
    created = Invitation.transaction do
      invitation.lock!
      raise ActiveRecord::Rollback if invitation.used_at

      user.save && invitation.update!(used_at: Time.current)
    end

    if created
      render json: { message: "User created" }
    elsif user.errors.of_kind?(:user_name, :taken)
      render json: { message: "Username already exists. Try providing different username." }, status: :bad_request
    else
      render json: { message: "Invalid user" }, status: :bad_request
    end
  rescue ActiveRecord::RecordNotUnique
    render json: { message: "Username already exists. Try providing different username." }, status: :bad_request
  end
end
