# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Puma configuration: Rails 8's defaults, plus a request size limit. With
# http_content_length_limit (Puma 6.3+) a request whose Content-Length is over the limit is
# answered 413 before its body is read; without it Puma would first write any upload,
# however large, to a temp file and only then call the app.
threads_count = ENV.fetch("RAILS_MAX_THREADS", 3)
threads threads_count, threads_count

port ENV.fetch("PORT", 3000)

# The largest video the app accepts (FramesController::MAX_VIDEO_BYTES) plus room for the
# multipart framing.
http_content_length_limit 50 * 1024 * 1024 + 64 * 1024

plugin :tmp_restart

pidfile ENV["PIDFILE"] if ENV["PIDFILE"]
