# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ClickCount scenario: POST /click records a click; GET /clicks lists them by date.
class ClicksController < ApplicationController
  def create
    Click.create!(timestamp: Time.current)
    head :created
  end

  def index
    date = parse_date(params.require(:date))
    direction = params.require(:direction)
    unless date && Click::DIRECTIONS.key?(direction)
      return render json: { error: "Invalid date or direction" }, status: :bad_request
    end

    clicks = Click.compared_to(date, direction).to_a
    return render json: { error: "No clicks found" }, status: :not_found if clicks.empty?

    render json: clicks
  end

  private

  def parse_date(value)
    Date.iso8601(value) if value.is_a?(String)
  rescue ArgumentError
    nil
  end
end
