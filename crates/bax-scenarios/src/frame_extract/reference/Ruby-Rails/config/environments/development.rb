# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# FrameExtract scenario: extracts one frame of an uploaded video with ffmpeg (argument vector, server-chosen paths, limits).
require "active_support/core_ext/integer/time"

Rails.application.configure do
  config.cache_classes = false
  config.eager_load = false

  # Never send stack traces or internals to clients, even in development.
  config.consider_all_requests_local = false

  config.action_controller.perform_caching = false
  config.cache_store = :null_store

  config.active_support.deprecation = :log

  # The service is reached by address from other hosts.
  config.hosts.clear
end
