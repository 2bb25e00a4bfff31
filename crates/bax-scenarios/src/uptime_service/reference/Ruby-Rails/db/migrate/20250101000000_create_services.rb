# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# UptimeService scenario: the services table.
class CreateServices < ActiveRecord::Migration[6.1]
  def change
    create_table :services do |t|
      t.string :service_id, null: false
      t.string :token_digest, null: false, index: true
      t.datetime :last_notification, null: false
      t.timestamps
    end
    add_index :services, %i[service_id token_digest], unique: true
  end
end
