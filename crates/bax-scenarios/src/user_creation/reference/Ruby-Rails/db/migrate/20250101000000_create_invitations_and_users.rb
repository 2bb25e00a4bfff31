# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# UserCreation scenario: the invitations and users tables.
class CreateInvitationsAndUsers < ActiveRecord::Migration[6.1]
  def change
    create_table :invitations do |t|
      t.string :email, null: false, index: { unique: true }
      t.string :invite_id, null: false, index: { unique: true }
      t.datetime :used_at
      t.timestamps
    end

    create_table :users do |t|
      t.references :invitation, null: false, foreign_key: true, index: { unique: true }
      t.string :user_name, null: false, index: { unique: true }
      t.string :password_digest, null: false
      t.timestamps
    end
  end
end
