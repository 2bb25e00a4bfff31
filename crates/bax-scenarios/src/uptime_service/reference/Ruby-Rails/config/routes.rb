# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# UptimeService scenario: routes.
Rails.application.routes.draw do
  post "/heartbeat", to: "heartbeats#create"
  post "/services", to: "services#index"
end
