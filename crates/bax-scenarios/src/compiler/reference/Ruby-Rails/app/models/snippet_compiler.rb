# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Compiler scenario: checks one TypeScript or C++ file. The source is written under a fixed,
# server-chosen name in a fresh temp directory (the client's file name only selects the
# language and never becomes a path), and the compiler runs with an argument vector and a time
# limit. Diagnostics name the file as the client did.
require "tmpdir"

class SnippetCompiler
  class UnsupportedLanguage < StandardError; end

  LANGUAGES = {
    ".ts" => { source: "main.ts", command: ->(path) { ["tsc", "--noEmit", "--pretty", "false", path] } },
    ".cpp" => { source: "main.cpp", command: ->(path) { ["g++", "-fsyntax-only", path] } },
    ".cc" => { source: "main.cc", command: ->(path) { ["g++", "-fsyntax-only", path] } },
    ".cxx" => { source: "main.cxx", command: ->(path) { ["g++", "-fsyntax-only", path] } }
  }.freeze
  TIMEOUT = 30

  Result = Struct.new(:has_error, :output)

  def initialize(file_name, content)
    @file_name = file_name
    @content = content
    @language = LANGUAGES[File.extname(file_name).downcase] or raise UnsupportedLanguage
  end

  def compile
    Dir.mktmpdir("compile") do |dir|
      source = @language[:source]
      File.write(File.join(dir, source), @content)
      result = ExternalCommand.run(*@language[:command].call(source), timeout: TIMEOUT, max_output: 64 * 1024, chdir: dir)
      output = (result.stdout + result.stderr).force_encoding(Encoding::UTF_8).scrub
      output = output.gsub(dir, ".").gsub(source, File.basename(@file_name)).strip
      Result.new(!result.success?, result.success? ? nil : output)
    end
  rescue ExternalCommand::TimedOut
    Result.new(true, "The compiler took too long.")
  end
end
