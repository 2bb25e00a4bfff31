# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ImageConverter scenario: POST /create-gif turns the uploaded images into an animated GIF.
class GifsController < ApplicationController
  MAX_REQUEST_BYTES = 50 * 1024 * 1024
  MAX_FRAMES = 50
  MAX_SIDE = 2000
  MAX_PIXELS = 2_000_000
  MAX_DELAY_MS = 60_000

  def create
    if request.content_length.to_i > MAX_REQUEST_BYTES
      return render json: { error: "The upload is too large" }, status: :payload_too_large
    end

    width, height = parse_size(params[:targetSize])
    delay = parse_delay(params[:delay])
    reverted = parse_boolean(params[:appendReverted])
    return render json: { error: "targetSize must be WIDTHxHEIGHT" }, status: :bad_request unless width
    return render json: { error: "delay must be an integer number of milliseconds" }, status: :bad_request unless delay
    return render json: { error: "appendReverted must be true or false" }, status: :bad_request if reverted.nil?

    frames = []
    MultipartFields.new(request.body, request.get_header("CONTENT_TYPE")).each("images") { |data| frames << data }
    unless frames.size.between?(1, MAX_FRAMES) && frames.all? { |f| GifBuilder.format_of(f) }
      return render json: { error: "images must be 1 to #{MAX_FRAMES} PNG, JPEG, GIF, BMP or WebP files" }, status: :bad_request
    end

    gif = GifBuilder.new(frames: frames, width: width, height: height, delay_ms: delay, append_reverted: reverted).build
    send_data gif, type: "image/gif", disposition: "inline", filename: "animation.gif"
  rescue MultipartFields::Invalid
    render json: { error: "The body must be multipart/form-data with images" }, status: :bad_request
  rescue GifBuilder::Failed
    render json: { error: "The GIF could not be created" }, status: :internal_server_error
  end

  private

  # WIDTHxHEIGHT, scaled down (keeping its aspect ratio) until it fits MAX_SIDE and MAX_PIXELS.
  def parse_size(value)
    match = value.to_s.match(/\A(\d{1,6})x(\d{1,6})\z/) or return nil
    width, height = match[1].to_i, match[2].to_i
    return nil unless width.positive? && height.positive?

    scale = [1.0, MAX_SIDE.fdiv(width), MAX_SIDE.fdiv(height), Math.sqrt(MAX_PIXELS.fdiv(width * height))].min
    [[(width * scale).floor, 1].max, [(height * scale).floor, 1].max]
  end

  def parse_delay(value)
    return 10 if value.blank?

    delay = Integer(value.to_s, 10)
    delay if delay.between?(0, MAX_DELAY_MS)
  rescue ArgumentError
    nil
  end

  def parse_boolean(value)
    return false if value.blank?

    { "true" => true, "1" => true, "false" => false, "0" => false }[value.to_s.downcase]
  end
end
