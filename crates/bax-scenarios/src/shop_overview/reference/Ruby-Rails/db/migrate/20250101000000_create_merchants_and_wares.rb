# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShopOverview scenario: the merchants and wares tables.
class CreateMerchantsAndWares < ActiveRecord::Migration[6.1]
  def change
    create_table :merchants do |t|
      t.string :email, null: false, index: { unique: true }
      t.string :name, null: false
      t.string :password_digest, null: false
      t.timestamps
    end

    create_table :wares do |t|
      t.references :merchant, null: false, foreign_key: true
      t.string :name, null: false
      t.text :description, null: false, default: ""
      t.float :price, null: false, index: true
      t.timestamps
    end
  end
end
