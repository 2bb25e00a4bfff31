# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Recipes scenario: routes.
Rails.application.routes.draw do
  get "/recipes", to: "recipes#index"
  post "/recipes/upload", to: "recipes#create"
  get "/recipes/:id", to: "recipes#show"
  post "/recipes/:recipe_id/comments", to: "comments#create"
  post "/recipes/:recipe_id/ratings", to: "ratings#create"
end
