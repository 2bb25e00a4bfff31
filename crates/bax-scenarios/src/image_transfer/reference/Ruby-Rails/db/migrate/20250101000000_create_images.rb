# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ImageTransfer scenario: the images table.
class CreateImages < ActiveRecord::Migration[6.1]
  def change
    create_table :images do |t|
      t.string :public_id, null: false, index: { unique: true }
      t.string :content_type, null: false
      t.binary :data, null: false
      t.timestamps
    end
  end
end
