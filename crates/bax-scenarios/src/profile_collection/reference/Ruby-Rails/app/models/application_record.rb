# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ProfileCollection scenario: user profiles with a sanitized HTML page and a PNG photo.
class ApplicationRecord < ActiveRecord::Base
  self.abstract_class = true
end
