# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShopOverview scenario: routes.
Rails.application.routes.draw do
  post "/merchants/register", to: "merchants#create"
  post "/merchants/login", to: "sessions#create"
  post "/merchants/upload-wares", to: "wares#upload"
  get "/wares", to: "wares#index"
end
