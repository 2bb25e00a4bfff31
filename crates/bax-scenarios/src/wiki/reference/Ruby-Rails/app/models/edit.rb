# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Wiki scenario: one recorded change of an entry, with a line diff of what changed.
class Edit < ApplicationRecord
  belongs_to :entry

  validates :contributor, presence: true, length: { maximum: 200 }
  validates :summary, length: { maximum: 1000 }

  # [[" ", line], ["-", line], ["+", line], ...] from a longest-common-subsequence diff.
  def diff
    old_lines = old_content.to_s.lines.map(&:chomp)
    new_lines = new_content.to_s.lines.map(&:chomp)
    return [["-", "(diff too large to show)"]] if old_lines.size * new_lines.size > 1_000_000

    lcs = Array.new(old_lines.size + 1) { Array.new(new_lines.size + 1, 0) }
    old_lines.each_index.reverse_each do |i|
      new_lines.each_index.reverse_each do |j|
        lcs[i][j] = old_lines[i] == new_lines[j] ? lcs[i + 1][j + 1] + 1 : [lcs[i + 1][j], lcs[i][j + 1]].max
      end
    end

    out = []
    i = j = 0
    while i < old_lines.size && j < new_lines.size
      if old_lines[i] == new_lines[j]
        out << [" ", old_lines[i]]
        i += 1
        j += 1
      elsif lcs[i + 1][j] >= lcs[i][j + 1]
        out << ["-", old_lines[i]]
        i += 1
      else
        out << ["+", new_lines[j]]
        j += 1
      end
    end
    out.concat(old_lines[i..].map { |l| ["-", l] }, new_lines[j..].map { |l| ["+", l] })
  end
end
