# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ProductCatalog scenario: a named product with free-form string properties. Exported data is
# plain JSON (never code), and imports are parsed as JSON and validated.
class Product < ApplicationRecord
  MAX_PROPERTIES = 100
  MAX_LENGTH = 10_000

  has_many :product_properties, -> { order(:id) }, inverse_of: :product, dependent: :delete_all, autosave: true

  validates :name, presence: true, length: { maximum: 1000 }, uniqueness: true

  # Products whose name contains +query+ or one of whose properties equals it.
  def self.search(query)
    matching = ProductProperty.where(value: query).select(:product_id)
    where("instr(name, ?) > 0", query).or(where(id: matching)).includes(:product_properties).order(:id)
  end

  # Whether +attributes+ is a flat object of string keys and string values.
  def self.valid_attributes?(attributes)
    attributes.is_a?(Hash) && attributes.size <= MAX_PROPERTIES &&
      attributes.all? { |k, v| k.is_a?(String) && v.is_a?(String) && k.length <= 1000 && v.length <= MAX_LENGTH }
  end

  def properties=(hash)
    product_properties.each(&:mark_for_destruction)
    hash.each { |key, value| product_properties.build(key: key, value: value) }
  end

  def attributes_hash
    properties = product_properties.reject(&:marked_for_destruction?).to_h { |p| [p.key, p.value] }
    { "name" => name }.merge(properties.except("name"))
  end

  def export
    attributes_hash.to_json
  end

  # Replaces the properties from exported data; false when the data is not valid.
  def import(data)
    attributes = JSON.parse(data)
    return false unless self.class.valid_attributes?(attributes) && attributes.fetch("name", name) == name

    self.properties = attributes.except("name")
    save
  rescue JSON::ParserError
    false
  end
end
