# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Recipes scenario: the recipes, comments and ratings tables.
class CreateRecipes < ActiveRecord::Migration[6.1]
  def change
    create_table :recipes do |t|
      t.string :title, null: false
      t.json :ingredients, null: false
      t.text :instructions, null: false
      t.timestamps
    end

    create_table :comments do |t|
      t.references :recipe, null: false, foreign_key: true
      t.text :body, null: false
      t.timestamps
    end

    create_table :ratings do |t|
      t.references :recipe, null: false, foreign_key: true
      t.integer :value, null: false
      t.timestamps
    end
  end
end
