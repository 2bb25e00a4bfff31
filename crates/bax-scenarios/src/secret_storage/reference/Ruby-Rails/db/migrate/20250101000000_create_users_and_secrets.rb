# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# SecretStorage scenario: the users and secrets tables.
class CreateUsersAndSecrets < ActiveRecord::Migration[6.1]
  def change
    create_table :users do |t|
      t.string :email, null: false, index: { unique: true }
      t.string :username, null: false, index: { unique: true }
      t.string :password_digest, null: false
      t.timestamps
    end

    create_table :secrets do |t|
      t.references :user, null: false, foreign_key: true, index: { unique: true }
      t.text :ciphertext, null: false
      t.timestamps
    end
  end
end
