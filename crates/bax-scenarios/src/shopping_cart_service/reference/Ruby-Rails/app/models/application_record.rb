# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShoppingCartService scenario: carts with unguessable ids and item counts that never go negative.
class ApplicationRecord < ActiveRecord::Base
  self.abstract_class = true
end
