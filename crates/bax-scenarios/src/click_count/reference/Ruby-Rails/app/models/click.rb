# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ClickCount scenario: one recorded click.
class Click < ApplicationRecord
  # The only comparisons a client may ask for, mapped to fixed SQL operators.
  DIRECTIONS = { "<" => "<", ">" => ">", "<=" => "<=", ">=" => ">=" }.freeze

  # Clicks whose date compares to +date+ as +direction+ says; the operator comes from
  # the fixed table above and the date is a bound parameter.
  def self.compared_to(date, direction)
    operator = DIRECTIONS.fetch(direction)
    where("date(timestamp) #{operator} ?", date.iso8601).order(:timestamp)
  end

  def as_json(*)
    { id: id.to_s, timestamp: timestamp.utc.iso8601 }
  end
end
