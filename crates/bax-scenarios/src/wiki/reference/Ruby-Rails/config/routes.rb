# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Wiki scenario: routes.
Rails.application.routes.draw do
  resources :entries, only: %i[index create show update], constraints: { id: %r{[^/]+} } do
    get :edits, on: :member
  end
end
