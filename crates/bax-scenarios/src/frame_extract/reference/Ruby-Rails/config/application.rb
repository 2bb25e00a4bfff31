# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# FrameExtract scenario: extracts one frame of an uploaded video with ffmpeg (argument vector, server-chosen paths, limits).
require_relative "boot"

require "rails"
require "active_model/railtie"
require "action_controller/railtie"

Bundler.require(*Rails.groups)

module App
  class Application < Rails::Application
    config.load_defaults 6.1
    config.api_only = true
  end
end
