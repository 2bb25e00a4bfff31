# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShopOverview scenario: POST /merchants/register creates a merchant account.
class MerchantsController < ApplicationController
  def create
    merchant = Merchant.new(params.permit(:email, :name, :password))
    if merchant.save
      render json: { message: "Merchant registered" }, status: :created
    else
      render json: { error: "Invalid or duplicate merchant" }, status: :bad_request
    end
  rescue ActiveRecord::RecordNotUnique
    render json: { error: "Invalid or duplicate merchant" }, status: :bad_request
  end
end
