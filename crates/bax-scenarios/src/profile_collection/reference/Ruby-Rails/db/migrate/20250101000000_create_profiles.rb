# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ProfileCollection scenario: the profiles table.
class CreateProfiles < ActiveRecord::Migration[6.1]
  def change
    create_table :profiles do |t|
      t.string :username, null: false, index: { unique: true }
      t.text :page, null: false
      t.binary :photo, null: false
      t.timestamps
    end
  end
end
