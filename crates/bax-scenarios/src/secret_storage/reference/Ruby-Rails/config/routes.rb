# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# SecretStorage scenario: routes.
Rails.application.routes.draw do
  post "/register", to: "users#create"
  post "/login", to: "sessions#create"
  post "/set_secret", to: "secrets#update"
  get "/get_secret", to: "secrets#show"
end
