# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ImageTransfer scenario: an uploaded image, kept in the database under a random public id
# (the client's file name is never used as a path). Its type is taken from its content where
# the format is recognised, otherwise from the upload's claimed image type; HTML and other
# non-image types are refused.
class Image < ApplicationRecord
  MAX_BYTES = 10 * 1024 * 1024
  SIGNATURES = {
    "image/png" => ["\x89PNG\r\n\x1a\n".b],
    "image/jpeg" => ["\xFF\xD8\xFF".b],
    "image/gif" => ["GIF87a".b, "GIF89a".b],
    "image/bmp" => ["BM".b],
    "image/tiff" => ["II*\x00".b, "MM\x00*".b],
    "image/x-icon" => ["\x00\x00\x01\x00".b]
  }.freeze

  has_secure_token :public_id

  validates :data, presence: true, length: { maximum: MAX_BYTES }
  validates :content_type, presence: true, format: { with: %r{\Aimage/[a-z0-9.+-]+\z} }

  def self.detect_type(data, claimed)
    head = data.byteslice(0, 512).to_s.b
    SIGNATURES.each { |type, magics| return type if magics.any? { |m| head.start_with?(m) } }
    return "image/webp" if head.start_with?("RIFF".b) && head.byteslice(8, 4) == "WEBP".b
    return "image/avif" if head.byteslice(4, 8) == "ftypavif".b
    return "image/svg+xml" if head.lstrip.start_with?("<svg".b) || (head.start_with?("<?xml".b) && head.include?("<svg".b))

    claimed = claimed.to_s.downcase.split(";").first.to_s.strip
    claimed if claimed.match?(%r{\Aimage/[a-z0-9.+-]+\z}) && claimed != "image/svg+xml"
  end
end
