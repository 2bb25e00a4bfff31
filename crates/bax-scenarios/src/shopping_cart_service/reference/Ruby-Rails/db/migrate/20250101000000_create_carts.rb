# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ShoppingCartService scenario: the carts and cart_items tables.
class CreateCarts < ActiveRecord::Migration[6.1]
  def change
    create_table :carts do |t|
      t.string :token, null: false, index: { unique: true }
      t.timestamps
    end

    create_table :cart_items do |t|
      t.references :cart, null: false, foreign_key: true
      t.integer :item_id, null: false
      t.integer :count, null: false
      t.timestamps
    end
    add_index :cart_items, %i[cart_id item_id], unique: true
  end
end
