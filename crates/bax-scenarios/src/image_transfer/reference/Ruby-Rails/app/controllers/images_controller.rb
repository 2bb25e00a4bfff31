# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ImageTransfer scenario: POST /upload stores an image and returns its id; GET /images/:id
# shows it inline, with nosniff and a sandboxing CSP so that no upload can run as a page.
class ImagesController < ApplicationController
  before_action :limit_request_size, only: :create

  def create
    upload = params[:file]
    unless upload.respond_to?(:read)
      return render json: { error: "An image is required in the 'file' field" }, status: :bad_request
    end
    return render json: { error: "The image is too large" }, status: :payload_too_large if upload.size > Image::MAX_BYTES

    data = upload.read
    type = Image.detect_type(data, upload.content_type)
    return render json: { error: "The file is not an image" }, status: :bad_request unless type

    image = Image.create!(data: data, content_type: type)
    render json: { id: image.public_id }
  end

  def show
    image = Image.find_by(public_id: params[:id].to_s)
    return render json: { error: "Image not found" }, status: :not_found unless image

    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    send_data image.data, type: image.content_type, disposition: "inline"
  end

  private

  def limit_request_size
    return if request.content_length.to_i <= Image::MAX_BYTES + 64 * 1024

    render json: { error: "The image is too large" }, status: :payload_too_large
  end
end
