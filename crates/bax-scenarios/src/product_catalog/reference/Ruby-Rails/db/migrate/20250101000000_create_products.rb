# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ProductCatalog scenario: the products and product_properties tables.
class CreateProducts < ActiveRecord::Migration[6.1]
  def change
    create_table :products do |t|
      t.string :name, null: false, index: { unique: true }
      t.timestamps
    end

    create_table :product_properties do |t|
      t.references :product, null: false, foreign_key: true
      t.string :key, null: false
      t.text :value, null: false, index: true
    end
  end
end
