# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShopOverview scenario: a ware on offer.
require "csv"

class Ware < ApplicationRecord
  class InvalidCsv < StandardError; end

  MAX_ROWS = 1000

  belongs_to :merchant

  validates :name, presence: true, length: { maximum: 500 }
  validates :description, length: { maximum: 5000 }
  validates :price, numericality: { greater_than_or_equal_to: 0 }

  # Rows of name, description, price; raises InvalidCsv unless every row is well formed.
  def self.parse_csv(text)
    rows = CSV.parse(text, skip_blanks: true)
    raise InvalidCsv if rows.size > MAX_ROWS

    rows.map do |row|
      raise InvalidCsv unless row.size == 3 && row[0].present?

      { name: row[0].strip, description: row[1].to_s.strip, price: Float(row[2].to_s.strip) }
    end
  rescue CSV::MalformedCSVError, ArgumentError, TypeError
    raise InvalidCsv
  end

  def self.priced_between(min_price, max_price)
    scope = all
    scope = scope.where("price >= ?", min_price) if min_price
    scope = scope.where("price <= ?", max_price) if max_price
    scope
  end
end
