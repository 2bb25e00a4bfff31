# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShoppingCartService scenario: create carts, change item counts and list a cart's items.
class CartsController < ApplicationController
  MAX_ABS = 1_000_000

  before_action :load_cart, only: %i[add show]

  def create
    cart = Cart.create!
    render json: { cart_id: cart.token }, status: :created
  end

  def add
    item_id = params[:item_id]
    count = params[:count]
    unless item_id.is_a?(Integer) && count.is_a?(Integer) && item_id.abs <= MAX_ABS && count.abs <= MAX_ABS
      return render json: { error: "item_id and count must be integers" }, status: :bad_request
    end

    @cart.change_quantity!(item_id, count)
    render json: { message: "Cart updated" }
  rescue Cart::InvalidQuantity
    render json: { error: "The cart does not hold that many units" }, status: :bad_request
  end

  def show
    items = @cart.cart_items.map { |i| { item_id: i.item_id, count: i.count } }
    render json: { items: items }
  end

  private

  def load_cart
    @cart = Cart.find_by_token(params[:cart_id])
    render json: { error: "Cart not found" }, status: :not_found unless @cart
  end
end
