# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# CreditCardService scenario: the card_associations table.
class CreateCardAssociations < ActiveRecord::Migration[6.1]
  def change
    create_table :card_associations do |t|
      t.string :credit_card, null: false
      t.string :phone, null: false, index: true
      t.timestamps
    end
    add_index :card_associations, %i[credit_card phone], unique: true
  end
end
