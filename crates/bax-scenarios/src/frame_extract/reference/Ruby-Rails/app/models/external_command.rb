# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# FrameExtract scenario: runs external programs safely.
require "open3"
require "timeout"

# Runs a program with an argument vector (never through a shell), with a time limit and a cap
# on the output kept; the process group is killed when the limit is reached.
module ExternalCommand
  class Failed < StandardError; end
  class TimedOut < Failed; end

  Result = Struct.new(:stdout, :stderr, :status, keyword_init: true) do
    def success?
      status&.success?
    end
  end

  module_function

  def run(*argv, timeout:, max_output: 50 * 1024 * 1024, chdir: nil)
    options = { pgroup: true }
    options[:chdir] = chdir if chdir
    Open3.popen3(*argv.map(&:to_s), **options) do |stdin, stdout, stderr, wait|
      stdin.close
      out_reader = Thread.new { read_capped(stdout, max_output) }
      err_reader = Thread.new { read_capped(stderr, 64 * 1024) }
      unless wait.join(timeout)
        kill(wait.pid)
        raise TimedOut, "#{argv.first} took too long"
      end
      Result.new(stdout: out_reader.value, stderr: err_reader.value, status: wait.value)
    ensure
      kill(wait.pid) if wait&.alive?
    end
  rescue Errno::ENOENT, Errno::EACCES => e
    raise Failed, e.message
  end

  def read_capped(io, limit)
    data = +"".b
    while (chunk = io.read(64 * 1024))
      data << chunk if data.bytesize < limit
    end
    data.byteslice(0, limit)
  rescue IOError
    data
  end

  def kill(pid)
    Process.kill("KILL", -pid)
  rescue Errno::ESRCH, Errno::EPERM
    nil
  end
end
