// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Reference app for the ZipToTxt scenario: joins the text files of an uploaded
// zip archive into one text. The upload is never stored: the multipart body
// and the archive in it are parsed while they arrive, entries that
// are not text files (nested archives included) are skipped unread (or, when
// their size is unknown, inflated and dropped within a bound), the text kept
// is bounded, and entry names are never used as paths.
'use strict';

const zlib = require('zlib');
const Koa = require('koa');
const Router = require('koa-router');

const MAX_ENTRY_TEXT = 10 * 1024 * 1024; // bytes of one text file
const MAX_TOTAL_TEXT = 20 * 1024 * 1024; // bytes of text in one answer
// Deflated entries of unknown size must be inflated to find their end; this
// bounds that work for one upload (the output of skipped entries is dropped).
const MAX_INFLATED_BYTES = 512 * 1024 * 1024;
const MAX_ENTRIES = 100000;
const MAX_UPLOAD = 2 * 1024 * 1024 * 1024;

const LOCAL_HEADER = 0x04034b50;
const ARCHIVE_TAIL = new Set([0x02014b50, 0x06054b50, 0x06064b50, 0x07064b50]);
const DESCRIPTOR = 0x08074b50;

class BadArchive extends Error {}

const isTextName = (name) => !name.endsWith('/') && name.toLowerCase().endsWith('.txt');

// Reads a zip archive's local entries from a byte stream and keeps the
// content of the text files. Entries of known size that are not kept are
// counted past, never buffered; a deflated entry whose size follows its data
// (a data descriptor) is run through a streaming inflater to find its end.
class ZipTextCollector {
  constructor() {
    this.pending = Buffer.alloc(0);
    this.data = null;
    this.pos = 0;
    this.state = 'header'; // header | data | inflate | descriptor | done
    this.entry = null;
    this.entries = 0;
    this.totalText = 0;
    this.inflated = 0;
    this.texts = [];
  }

  // Feeds the next chunk; returns a promise when it has to wait for the inflater.
  write(chunk) {
    this.data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    this.pos = 0;
    return this.advance();
  }

  advance() {
    const { data } = this;
    while (this.pos < data.length && this.state !== 'done') {
      if (this.state === 'inflate') {
        return this.inflate(data.subarray(this.pos)).then((consumed) => {
          this.pos += consumed;
          return this.advance();
        });
      }
      if (this.state === 'data') {
        const take = Math.min(this.entry.remaining, data.length - this.pos);
        if (this.entry.keep) this.entry.parts.push(Buffer.from(data.subarray(this.pos, this.pos + take)));
        this.pos += take;
        this.entry.remaining -= take;
        if (this.entry.remaining === 0) this.finishEntry();
      } else if (this.state === 'descriptor') {
        const used = this.descriptor(data, this.pos);
        if (used === 0) break;
        this.pos += used;
      } else {
        const used = this.header(data, this.pos);
        if (used === 0) break;
        this.pos += used;
      }
    }
    if (this.state !== 'done' && this.pos < data.length) this.pending = Buffer.from(data.subarray(this.pos));
    return undefined;
  }

  // Parses the local header at `pos`; returns the bytes it used (0: more needed).
  header(data, pos) {
    const rest = data.length - pos;
    if (rest < 4) return 0;
    const signature = data.readUInt32LE(pos);
    if (ARCHIVE_TAIL.has(signature)) {
      // The central directory follows the last entry: every entry has been read.
      this.state = 'done';
      return 4;
    }
    if (signature !== LOCAL_HEADER) throw new BadArchive('not a zip archive');
    if (rest < 30) return 0;
    const flags = data.readUInt16LE(pos + 6);
    const method = data.readUInt16LE(pos + 8);
    const crc = data.readUInt32LE(pos + 14);
    let csize = data.readUInt32LE(pos + 18);
    let usize = data.readUInt32LE(pos + 22);
    const nameLen = data.readUInt16LE(pos + 26);
    const extraLen = data.readUInt16LE(pos + 28);
    const used = 30 + nameLen + extraLen;
    if (rest < used) return 0;
    const name = data.toString(flags & 0x800 ? 'utf8' : 'latin1', pos + 30, pos + 30 + nameLen);
    const extra = data.subarray(pos + 30 + nameLen, pos + used);
    this.entries += 1;
    if (this.entries > MAX_ENTRIES) throw new BadArchive('too many entries');
    if (flags & 0x1) throw new BadArchive('encrypted entries are not supported');
    if (method !== 0 && method !== 8) throw new BadArchive('unsupported compression method');
    const zip64 = hasZip64(extra);
    if (csize === 0xffffffff || usize === 0xffffffff) [usize, csize] = zip64Sizes(extra, usize, csize);
    const keep = isTextName(name);
    this.entry = { name, keep, method, crc, usize, zip64, remaining: csize, parts: [], kept: 0, crcSoFar: 0 };
    if (flags & 0x8) {
      // The sizes follow the data. A stored entry's end cannot be found then,
      // unless it is an empty folder; a deflated one ends with its deflate stream.
      if (method === 0) {
        if (!name.endsWith('/')) throw new BadArchive('stored entries of unknown size are not supported');
        this.state = 'descriptor';
        return used;
      }
      this.startInflater();
      this.state = 'inflate';
      return used;
    }
    if (keep && (usize > MAX_ENTRY_TEXT || csize > MAX_ENTRY_TEXT)) throw new BadArchive(`${name} is too large`);
    this.state = 'data';
    if (csize === 0) this.finishEntry();
    return used;
  }

  startInflater() {
    const { entry } = this;
    entry.inflater = zlib.createInflateRaw();
    entry.ended = new Promise((resolve) => entry.inflater.once('end', resolve));
    entry.inflater.on('data', (out) => {
      this.inflated += out.length;
      if (this.inflated > MAX_INFLATED_BYTES) entry.error = new BadArchive('the archive expands too much');
      if (!entry.keep || entry.error) return;
      entry.kept += out.length;
      this.totalText += out.length;
      if (entry.kept > MAX_ENTRY_TEXT) entry.error = new BadArchive(`${entry.name} is too large`);
      else if (this.totalText > MAX_TOTAL_TEXT) entry.error = new BadArchive('the archive holds too much text');
      else {
        entry.crcSoFar = zlib.crc32(out, entry.crcSoFar);
        entry.parts.push(out);
      }
    });
    entry.inflater.on('error', () => {}); // reported through the write callback
  }

  // Writes compressed bytes to the inflater; resolves to how many it used
  // (fewer than given when the deflate stream ended among them).
  async inflate(slice) {
    const { entry } = this;
    const before = entry.inflater.bytesWritten;
    await new Promise((resolve, reject) => {
      entry.inflater.write(slice, (err) => (err ? reject(new BadArchive(`${entry.name} is corrupt`)) : resolve()));
    });
    const consumed = entry.inflater.bytesWritten - before;
    if (consumed < slice.length) {
      // The deflate stream ended: wait until all of its output has been seen.
      await entry.ended;
      entry.inflater.close();
      this.state = 'descriptor';
    }
    if (entry.error) throw entry.error;
    return consumed;
  }

  // Reads the data descriptor after an entry of unknown size (0: more needed).
  descriptor(data, pos) {
    const { entry } = this;
    const sizeBytes = entry.zip64 ? 8 : 4;
    const signed = data.length - pos >= 4 && data.readUInt32LE(pos) === DESCRIPTOR;
    const length = (signed ? 8 : 4) + 2 * sizeBytes;
    if (data.length - pos < length) return 0;
    const at = pos + (signed ? 4 : 0);
    entry.crc = data.readUInt32LE(at);
    entry.usize = entry.zip64 ? Number(data.readBigUInt64LE(at + 12)) : data.readUInt32LE(at + 8);
    this.finishEntry();
    return length;
  }

  finishEntry() {
    const { entry } = this;
    this.entry = null;
    this.state = 'header';
    if (!entry.keep) return;
    let content;
    if (entry.inflater) {
      content = Buffer.concat(entry.parts);
      if (entry.crcSoFar !== entry.crc) throw new BadArchive(`${entry.name} is corrupt`);
    } else {
      content = Buffer.concat(entry.parts);
      if (entry.method === 8) {
        try {
          content = zlib.inflateRawSync(content, { maxOutputLength: MAX_ENTRY_TEXT });
        } catch (err) {
          throw new BadArchive(`${entry.name} is corrupt or too large`);
        }
      }
      if (zlib.crc32(content) !== entry.crc) throw new BadArchive(`${entry.name} is corrupt`);
      this.totalText += content.length;
      if (this.totalText > MAX_TOTAL_TEXT) throw new BadArchive('the archive holds too much text');
    }
    if (content.length !== entry.usize) throw new BadArchive(`${entry.name} is corrupt`);
    this.texts.push(content);
  }

  close() {
    if (this.entry && this.entry.inflater) this.entry.inflater.destroy();
  }

  result() {
    if (this.state !== 'done') throw new BadArchive('not a complete zip archive');
    return this.texts;
  }
}

function hasZip64(extra) {
  for (let pos = 0; pos + 4 <= extra.length; pos += 4 + extra.readUInt16LE(pos + 2)) {
    if (extra.readUInt16LE(pos) === 1) return true;
  }
  return false;
}

function zip64Sizes(extra, usize, csize) {
  for (let pos = 0; pos + 4 <= extra.length;) {
    const tag = extra.readUInt16LE(pos);
    const size = extra.readUInt16LE(pos + 2);
    if (tag === 1) {
      const values = [];
      for (let i = pos + 4; i + 8 <= Math.min(pos + 4 + size, extra.length); i += 8) {
        values.push(Number(extra.readBigUInt64LE(i)));
      }
      return [usize === 0xffffffff ? values.shift() : usize, csize === 0xffffffff ? values.shift() : csize];
    }
    pos += 4 + size;
  }
  throw new BadArchive('missing ZIP64 sizes');
}

class MultipartError extends Error {}

const MAX_PART_HEAD = 16 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

// The parameters of a header value such as `form-data; name="file"; filename="a.zip"`.
function headerParams(value) {
  const params = {};
  for (const m of value.matchAll(/;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return params;
}

// Reads a multipart/form-data body as it arrives and passes the content of the
// first file part named `field` to `onData` (which may return a promise, to
// slow the reading down). Other parts are read and dropped. Resolves to
// whether that part was found. The body is searched with Buffer#indexOf, so a
// large upload costs little more than receiving it.
async function readMultipartFile(stream, boundary, field, onData) {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const separator = Buffer.from(`\r\n--${boundary}`, 'latin1');
  const hold = separator.length - 1;
  let state = 'preamble'; // preamble | delimiter | head | body | done
  let buf = Buffer.alloc(0); // unparsed bytes outside part bodies (bounded)
  let tail = Buffer.alloc(0); // held-back bytes of a part body that may start a separator
  let wanted = false;
  let found = false;

  const emit = async (bytes) => {
    if (!wanted || bytes.length === 0) return;
    const waiting = onData(bytes);
    if (waiting) await waiting;
  };

  // Consumes part-body bytes; returns what follows the part's end, or null.
  const body = async (data) => {
    if (tail.length) {
      // A separator that starts in the held-back bytes ends in this window.
      const held = tail.length;
      const window = Buffer.concat([tail, data.subarray(0, hold)]);
      const at = window.indexOf(separator);
      if (at !== -1) {
        tail = Buffer.alloc(0);
        await emit(window.subarray(0, at));
        state = 'delimiter';
        return data.subarray(at + separator.length - held);
      }
      if (data.length < hold) {
        tail = window; // too few bytes to decide yet
        return null;
      }
      tail = Buffer.alloc(0);
      await emit(window.subarray(0, held));
    }
    const at = data.indexOf(separator);
    if (at !== -1) {
      await emit(data.subarray(0, at));
      state = 'delimiter';
      return data.subarray(at + separator.length);
    }
    const keep = Math.min(data.length, hold);
    tail = Buffer.from(data.subarray(data.length - keep));
    await emit(data.subarray(0, data.length - keep));
    return null;
  };

  // Parses delimiters and part headers from `buf`; false when more bytes are needed.
  const outside = () => {
    if (state === 'preamble') {
      const at = buf.indexOf(delimiter);
      if (at === -1) {
        buf = buf.subarray(Math.max(0, buf.length - delimiter.length));
        return false;
      }
      buf = buf.subarray(at + delimiter.length);
      state = 'delimiter';
    }
    if (state === 'delimiter') {
      if (buf.length < 2) return false;
      if (buf[0] === 0x2d && buf[1] === 0x2d) { // "--": the closing delimiter
        state = 'done';
        return false;
      }
      if (buf[0] !== 0x0d || buf[1] !== 0x0a) throw new MultipartError('malformed multipart delimiter');
      state = 'head';
    }
    if (state === 'head') {
      const at = buf.indexOf(CRLF2); // buf starts with the CRLF that ends the delimiter line
      if (at === -1) {
        if (buf.length > MAX_PART_HEAD) throw new MultipartError('malformed part headers');
        return false;
      }
      let disposition = '';
      for (const line of buf.toString('utf8', 2, at).split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'content-disposition') {
          disposition = line.slice(colon + 1);
        }
      }
      const params = headerParams(`;${disposition.replace(/^[^;]*/, '')}`);
      wanted = !found && params.name === field && params.filename !== undefined;
      found = found || wanted;
      buf = buf.subarray(at + CRLF2.length);
      state = 'body';
    }
    return true;
  };

  let received = 0;
  for await (const chunk of stream) {
    received += chunk.length;
    if (received > MAX_UPLOAD) throw new MultipartError('the upload is too large');
    let data = chunk;
    while (data && state !== 'done') {
      if (state === 'body') {
        data = await body(data);
      } else {
        buf = buf.length ? Buffer.concat([buf, data]) : data;
        data = null;
        if (outside() && state === 'body') {
          data = buf;
          buf = Buffer.alloc(0);
        }
      }
    }
  }
  if (state !== 'done') throw new MultipartError('the body ends too early');
  return found;
}

// The text files of the zip archive uploaded in the request's `file` field.
async function archiveTexts(ctx) {
  if (!ctx.is('multipart/form-data')) throw new MultipartError('the body must be multipart/form-data');
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(ctx.get('Content-Type'));
  if (!m) throw new MultipartError('the multipart body has no boundary');
  if (Number(ctx.get('Content-Length') || 0) > MAX_UPLOAD) {
    ctx.set('Connection', 'close'); // refused unread: the rest is not received
    ctx.throw(413, 'the upload is too large');
  }
  const collector = new ZipTextCollector();
  let failed = null;
  // Once the archive is found invalid, the rest of the body is read and dropped.
  const onData = (bytes) => {
    if (failed) return undefined;
    const record = (err) => {
      failed = err instanceof BadArchive ? err : new BadArchive(`corrupt archive: ${err.message}`);
      collector.close();
    };
    try {
      const waiting = collector.write(bytes);
      return waiting && waiting.catch(record);
    } catch (err) {
      return record(err);
    }
  };
  try {
    if (!(await readMultipartFile(ctx.req, m[1] || m[2], 'file', onData))) return null;
  } finally {
    collector.close();
  }
  if (failed) throw failed;
  return collector.result();
}

function textResponse(ctx, status, text) {
  ctx.status = status;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = text;
}

const app = new Koa();
const router = new Router();

app.use(async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    if (err instanceof BadArchive) return textResponse(ctx, 400, `invalid input: ${err.message}`);
    if (err instanceof MultipartError) return textResponse(ctx, 400, `invalid upload: ${err.message}`);
    if (err.status >= 400 && err.status < 500) return textResponse(ctx, err.status, err.message);
    console.error(err);
    return textResponse(ctx, 500, 'internal error');
  }
});

router.post('/convert', async (ctx) => {
  const texts = await archiveTexts(ctx);
  if (!texts) return textResponse(ctx, 400, "the zip archive must be sent in the 'file' field");
  return textResponse(ctx, 200, texts.map((t) => t.toString('utf8')).join('\n'));
});

app.use(router.routes());
app.use(router.allowedMethods());

app.listen(5000, '0.0.0.0');
