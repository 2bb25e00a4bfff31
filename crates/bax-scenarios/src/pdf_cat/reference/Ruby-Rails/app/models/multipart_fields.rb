# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# PDFCat scenario: the contents of every part of a multipart/form-data body with a given field
# name, in order. Rack's params keep only the last of several parts named "files" (no "[]"),
# so the body the server buffered is read directly.
class MultipartFields
  class Invalid < StandardError; end

  MAX_HEADER_BYTES = 16 * 1024
  MAX_PARTS = 100

  def initialize(io, content_type)
    boundary = content_type.to_s[/;\s*boundary="?([^";]+)"?/i, 1]
    raise Invalid, "no multipart boundary" if boundary.blank? || boundary.bytesize > 200

    @io = io
    @delimiter = "\r\n--#{boundary}".b
    @first = "--#{boundary}\r\n".b
  end

  # Yields the content of each part named +name+ as a binary String.
  def each(name)
    @io.rewind
    body = @io.read.to_s.b
    raise Invalid, "not a multipart body" unless body.start_with?(@first)

    position = @first.bytesize
    MAX_PARTS.times do
      header_end = body.index("\r\n\r\n".b, position)
      raise Invalid, "malformed part headers" if header_end.nil? || header_end - position > MAX_HEADER_BYTES

      headers = body.byteslice(position, header_end - position).split("\r\n")
      start = header_end + 4
      finish = body.index(@delimiter, start) or raise Invalid, "unterminated part"
      yield body.byteslice(start, finish - start) if field_name(headers) == name
      position = finish + @delimiter.bytesize
      return if body.byteslice(position, 2) == "--"

      position += 2
    end
  end

  private

  def field_name(headers)
    disposition = headers.find { |h| h.downcase.start_with?("content-disposition:") }
    disposition && disposition[/;\s*name="([^"]*)"/, 1]
  end
end
