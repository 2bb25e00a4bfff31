# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Wiki scenario: the entries and edits tables.
class CreateEntries < ActiveRecord::Migration[6.1]
  def change
    create_table :entries do |t|
      t.string :title, null: false
      t.text :content, null: false
      t.string :last_modified_by, null: false
      t.timestamps
    end

    create_table :edits do |t|
      t.references :entry, null: false, foreign_key: true
      t.string :contributor, null: false
      t.text :summary, null: false, default: ""
      t.text :old_content, null: false
      t.text :new_content, null: false
      t.timestamps
    end
  end
end
