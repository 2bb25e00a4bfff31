// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Reference app for the Unsubscribe scenario: reads a raw email, reports its
// sender (from the message's single From header, never from lines in the body)
// and whether the text the sender wrote asks to leave the mailing list.
'use strict';

const Koa = require('koa');
const Router = require('koa-router');

const MAX_BODY = 1024 * 1024;
const MAX_MIME_DEPTH = 10;
const KEYWORDS = ['unsubscribe', 'remove me', 'deregister me', 'stop sending me', 'delete me'];

// Reads the request body as text, refusing more than MAX_BODY bytes.
async function readBody(ctx) {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > MAX_BODY) ctx.throw(413, 'request too large');
  const chunks = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > MAX_BODY) ctx.throw(413, 'request too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// The email text of the request: the body as sent, or, when a client wraps it
// in JSON, the string under "content".
async function rawMessage(ctx) {
  const text = await readBody(ctx);
  if (!ctx.is('application/json')) return text;
  let wrapped;
  try {
    wrapped = JSON.parse(text);
  } catch (err) {
    return null;
  }
  if (wrapped && typeof wrapped === 'object' && !Array.isArray(wrapped)) wrapped = wrapped.content;
  return typeof wrapped === 'string' ? wrapped : null;
}

// Splits an entity into its (unfolded) header fields and its body.
function parseEntity(text) {
  const normalized = text.replace(/\r\n?/g, '\n');
  const end = normalized.search(/\n\n|^\n/);
  const head = end === -1 ? normalized : normalized.slice(0, end);
  const body = end === -1 ? '' : normalized.slice(end + (normalized[end + 1] === '\n' ? 2 : 1));
  const headers = [];
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1].value += ` ${line.trim()}`;
    } else {
      const m = /^([!-9;-~]+):(.*)$/.exec(line);
      if (m) headers.push({ name: m[1].toLowerCase(), value: m[2].trim() });
    }
  }
  return { headers, body };
}

const headerValues = (entity, name) => entity.headers.filter((h) => h.name === name).map((h) => h.value);

// "type/subtype" and the parameters of a Content-Type header.
function contentType(entity) {
  const [value = 'text/plain'] = headerValues(entity, 'content-type');
  const [type, ...rest] = value.split(';');
  const params = {};
  for (const p of rest) {
    const m = /^\s*([^=\s]+)\s*=\s*"?([^"]*)"?\s*$/.exec(p);
    if (m) params[m[1].toLowerCase()] = m[2];
  }
  return { type: type.trim().toLowerCase(), params };
}

function decodeBody(entity, charset) {
  const [encoding = ''] = headerValues(entity, 'content-transfer-encoding');
  let bytes;
  switch (encoding.toLowerCase()) {
    case 'quoted-printable': {
      const soft = entity.body.replace(/=\n/g, '');
      bytes = Buffer.from(soft.replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
      break;
    }
    case 'base64':
      bytes = Buffer.from(entity.body.replace(/\s+/g, ''), 'base64');
      break;
    default:
      return entity.body;
  }
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch (err) {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

const decodeEntities = (text) => text
  .replace(/&nbsp;/gi, ' ').replace(/&lt;/gi, '<').replace(/&gt;/gi, '>').replace(/&quot;/gi, '"')
  .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)))
  .replace(/&amp;/gi, '&');

// Collects the plain-text and HTML parts of a (possibly multipart) entity.
function collectText(entity, depth, plain, markup) {
  const { type, params } = contentType(entity);
  if (type.startsWith('multipart/') && params.boundary && depth < MAX_MIME_DEPTH) {
    const delimiter = `--${params.boundary}`;
    const sections = entity.body.split('\n');
    let current = null;
    const parts = [];
    for (const line of sections) {
      if (line.startsWith(delimiter)) {
        if (current) parts.push(current.join('\n'));
        current = line.startsWith(`${delimiter}--`) ? null : [];
        if (current === null) break;
      } else if (current) {
        current.push(line);
      }
    }
    if (current) parts.push(current.join('\n'));
    for (const part of parts) collectText(parseEntity(part), depth + 1, plain, markup);
  } else if (type === 'text/plain') {
    plain.push(decodeBody(entity, params.charset));
  } else if (type === 'text/html') {
    markup.push(decodeEntities(decodeBody(entity, params.charset).replace(/<[^>]*>/g, ' ')));
  }
}

// The address of the message's single From header, or null (none or several:
// an ambiguous message is not acted upon).
function sender(message) {
  const values = headerValues(message, 'from');
  if (values.length !== 1) return null;
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(values[0]);
  const address = angle ? angle[1] : values[0].replace(/\([^)]*\)/g, '').trim();
  return /^[^@\s<>,;"]+@[^@\s<>,;"]+$/.test(address) ? address : null;
}

function asksToUnsubscribe(message) {
  const plain = [];
  const markup = [];
  collectText(message, 0, plain, markup);
  const [subject = ''] = headerValues(message, 'subject');
  const words = [subject, ...(plain.length > 0 ? plain : markup)].join(' ').toLowerCase().split(/\s+/).join(' ');
  return KEYWORDS.some((k) => words.includes(k));
}

const app = new Koa();
const router = new Router();

app.use(async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    const status = err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) console.error(err);
    ctx.status = status;
    ctx.body = { error: status === 500 ? 'internal error' : err.message };
  }
});

router.post('/decideUnsubscribe', async (ctx) => {
  const text = await rawMessage(ctx);
  if (text === null || !text.trim()) {
    ctx.status = 400;
    ctx.body = { error: 'the request body must be a raw email' };
    return;
  }
  const message = parseEntity(text);
  const email = sender(message);
  if (email === null) {
    ctx.status = 400;
    ctx.body = { error: 'the email has no single sender address' };
    return;
  }
  ctx.body = { email, unsubscribe: asksToUnsubscribe(message) };
});

app.use(router.routes());
app.use(router.allowedMethods());

app.listen(5000, '0.0.0.0');
