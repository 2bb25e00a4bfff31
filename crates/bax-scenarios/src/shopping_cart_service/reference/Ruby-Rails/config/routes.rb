# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShoppingCartService scenario: routes.
Rails.application.routes.draw do
  post "/create_cart", to: "carts#create"
  post "/add_to_cart", to: "carts#add"
  post "/retrieve_cart", to: "carts#show"
end
