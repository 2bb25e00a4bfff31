# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# UptimeService scenario: a service as registered under one token, with its latest heartbeat.
# The token is stored only as an HMAC-SHA256 keyed with the app secret, so it can be looked up
# but not read back from the database.
class Service < ApplicationRecord
  validates :service_id, presence: true, length: { maximum: 256 }
  validates :token_digest, presence: true

  def self.digest(token)
    key = ENV["APP_SECRET"].presence || Rails.application.secret_key_base
    OpenSSL::HMAC.hexdigest("SHA256", key, token)
  end

  def self.with_token(token)
    where(token_digest: digest(token))
  end

  def self.record_heartbeat!(service_id, token)
    service = find_or_initialize_by(service_id: service_id, token_digest: digest(token))
    service.update!(last_notification: Time.current)
  rescue ActiveRecord::RecordNotUnique
    retry
  end

  def as_json(*)
    { serviceId: service_id, lastNotification: last_notification.utc.iso8601 }
  end
end
