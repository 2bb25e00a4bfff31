# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Wiki scenario: a wiki entry; every change, the creation included, is kept as an Edit.
class Entry < ApplicationRecord
  has_many :edits, -> { order(:id) }, inverse_of: :entry, dependent: :destroy

  validates :title, presence: true, length: { maximum: 500 }
  validates :content, length: { maximum: 100_000 }
  validates :last_modified_by, presence: true, length: { maximum: 200 }

  def self.create_with_history!(title:, content:, created_by:)
    transaction do
      entry = create!(title: title, content: content, last_modified_by: created_by)
      entry.edits.create!(contributor: created_by, summary: "Created entry", old_content: "", new_content: content)
      entry
    end
  end

  def revise!(content:, modified_by:, summary:)
    transaction do
      edits.create!(contributor: modified_by, summary: summary, old_content: self.content, new_content: content)
      update!(content: content, last_modified_by: modified_by)
    end
  end

  def contributors
    edits.pluck(:contributor).uniq
  end

  def as_json(*)
    { id: id.to_s, title: title, content: content, lastModifiedBy: last_modified_by,
      lastModifiedAt: updated_at.utc.iso8601 }
  end
end
