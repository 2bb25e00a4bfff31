// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShopOverview scenario (fastify): merchants with bcrypt password hashes, random
// server-side session cookies, CSV uploads of wares, and an HTML table of all
// wares with every merchant-supplied string escaped.
'use strict';

const crypto = require('crypto');
const fastify = require('fastify');
const cookie = require('@fastify/cookie');
const sqlite3 = require('sqlite3');
const bcrypt = require('bcrypt');

const COOKIE = 'AUTH_COOKIE';
const BCRYPT_ROUNDS = 10;
const MAX_CSV = 1024 * 1024;
const MAX_WARES = 10000;
const SESSION_SECONDS = 24 * 3600;
// Compared against when the email is unknown, so that a miss costs as much as a hit.
const DUMMY_HASH = bcrypt.hashSync(crypto.randomBytes(16).toString('hex'), BCRYPT_ROUNDS);

const db = new sqlite3.Database('db.sqlite3');
function run(sql, params = []) {
  return new Promise((resolve, reject) => {
    db.run(sql, params, function done(err) { return err ? reject(err) : resolve(this); });
  });
}
function get(sql, params = []) {
  return new Promise((resolve, reject) => {
    db.get(sql, params, (err, row) => (err ? reject(err) : resolve(row)));
  });
}
function all(sql, params = []) {
  return new Promise((resolve, reject) => {
    db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows)));
  });
}

// Multi-statement writes run one at a time inside a transaction.
let queue = Promise.resolve();
function transaction(work) {
  const result = queue.then(async () => {
    await run('BEGIN IMMEDIATE');
    try {
      const value = await work();
      await run('COMMIT');
      return value;
    } catch (err) {
      await run('ROLLBACK');
      throw err;
    }
  });
  queue = result.catch(() => {});
  return result;
}

function escapeHtml(text) {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}

// RFC 4180 CSV: rows of fields, quoted fields may hold commas, quotes ("") and
// line breaks. Returns null for malformed input (a stray quote, an open quote).
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  let afterQuote = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') { field += '"'; i += 1; } else { quoted = false; afterQuote = true; }
    } else if (ch === ',') {
      row.push(field); field = ''; afterQuote = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field); rows.push(row); row = []; field = ''; afterQuote = false;
    } else if (ch === '"') {
      if (field.trim() !== '' || afterQuote) return null;
      field = ''; quoted = true;
    } else {
      if (afterQuote && ch.trim() !== '') return null;
      field += ch;
    }
  }
  if (quoted) return null;
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
}

// Wares (name, description, price) from CSV text whose columns are name,
// description and price (a header row naming them is allowed), or null.
function parseWares(text) {
  let rows = parseCsv(text);
  if (!rows) return null;
  if (rows.length && rows[0].map((c) => c.trim().toLowerCase()).join(',') === 'name,description,price') {
    rows = rows.slice(1);
  }
  if (rows.length === 0 || rows.length > MAX_WARES) return null;
  const wares = [];
  for (const r of rows) {
    if (r.length !== 3) return null;
    const [name, description, priceText] = r.map((c) => c.trim());
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(priceText)) return null;
    const price = Number(priceText);
    if (!name || !Number.isFinite(price) || price < 0) return null;
    wares.push({ name, description, price });
  }
  return wares;
}

// Prices as decimals with at least one fractional digit (1.0, 0.25, 100.0).
function formatPrice(price) {
  const s = String(price);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

const app = fastify({
  bodyLimit: 2 * MAX_CSV,
  ajv: { customOptions: { coerceTypes: false } },
});
app.register(cookie);
app.decorateRequest('merchant', null);

// preHandler: the merchant whose session the cookie names, or 401.
async function authenticate(request, reply) {
  const token = request.cookies[COOKIE];
  const merchant = typeof token === 'string' && token.length <= 100 && await get(
    `SELECT m.id, m.email FROM sessions s JOIN merchants m ON m.id = s.merchant_id
     WHERE s.token = ? AND s.expires_at > ?`,
    [token, Date.now()],
  );
  if (!merchant) return reply.code(401).send({ error: 'Unauthorized' });
  request.merchant = merchant;
  return undefined;
}

app.post('/merchants/register', {
  schema: {
    body: {
      type: 'object',
      required: ['email', 'name', 'password'],
      properties: {
        email: { type: 'string', maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' },
        name: { type: 'string', minLength: 1, maxLength: 200 },
        password: { type: 'string', minLength: 1, maxLength: 72 },
      },
    },
  },
  attachValidation: true,
}, async (request, reply) => {
  const bad = () => reply.code(400).send({ error: 'Invalid input' });
  if (request.validationError || Buffer.byteLength(request.body.password) > 72) return bad();
  const { email, name, password } = request.body;
  const hash = await bcrypt.hash(password, BCRYPT_ROUNDS);
  try {
    await run('INSERT INTO merchants (email, name, password_hash) VALUES (?, ?, ?)', [email, name, hash]);
  } catch (err) {
    if (err.code === 'SQLITE_CONSTRAINT') return bad();
    throw err;
  }
  return reply.code(201).send({ message: 'Merchant registered successfully' });
});

app.post('/merchants/login', async (request, reply) => {
  const { email, password } = request.body || {};
  const denied = () => reply.code(401).send({ error: 'Invalid email or password' });
  if (typeof email !== 'string' || typeof password !== 'string' || email.length > 254 || password.length > 1024) {
    return denied();
  }
  const merchant = await get('SELECT id, password_hash FROM merchants WHERE email = ?', [email]);
  const ok = await bcrypt.compare(password, merchant ? merchant.password_hash : DUMMY_HASH);
  if (!merchant || !ok) return denied();
  // A fresh random token per login, unrelated to the password.
  const token = crypto.randomBytes(32).toString('base64url');
  await run('INSERT INTO sessions (token, merchant_id, expires_at) VALUES (?, ?, ?)',
    [token, merchant.id, Date.now() + SESSION_SECONDS * 1000]);
  return reply
    .setCookie(COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: SESSION_SECONDS })
    .send(JSON.stringify('Login successful'));
});

app.post('/merchants/upload-wares', {
  preHandler: authenticate,
  schema: {
    body: {
      type: 'object',
      required: ['csv'],
      properties: { csv: { type: 'string', maxLength: MAX_CSV } },
    },
  },
  attachValidation: true,
}, async (request, reply) => {
  const wares = request.validationError ? null : parseWares(request.body.csv);
  if (!wares) return reply.code(400).send({ error: 'Invalid CSV format' });
  await transaction(async () => {
    for (const w of wares) {
      await run('INSERT INTO wares (merchant_id, name, description, price) VALUES (?, ?, ?, ?)',
        [request.merchant.id, w.name, w.description, w.price]);
    }
  });
  return { message: 'Wares uploaded successfully', count: wares.length };
});

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

app.get('/wares', {
  preHandler: authenticate,
  schema: {
    querystring: {
      type: 'object',
      properties: { minPrice: { type: 'string', maxLength: 50 }, maxPrice: { type: 'string', maxLength: 50 } },
    },
  },
}, async (request, reply) => {
  const clauses = [];
  const params = [];
  for (const [name, op] of [['minPrice', '>='], ['maxPrice', '<=']]) {
    const raw = request.query[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!NUMBER.test(raw.trim()) || !Number.isFinite(value)) {
      return reply.code(400).send({ error: `${name} must be a number` });
    }
    clauses.push(`w.price ${op} ?`);
    params.push(value);
  }
  const where = clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '';
  const rows = await all(
    `SELECT w.name, w.description, w.price, m.email FROM wares w
     JOIN merchants m ON m.id = w.merchant_id${where} ORDER BY w.id`,
    params,
  );
  const lines = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><title>Wares</title></head><body>',
    '<table>',
    '<tr><th>Name</th><th>Description</th><th>Price</th><th>Merchant</th></tr>',
    ...rows.map((r) => `<tr><td>${escapeHtml(r.name)}</td><td>${escapeHtml(r.description)}</td>`
      + `<td>${formatPrice(r.price)}</td><td>${escapeHtml(r.email)}</td></tr>`),
    '</table>',
    '</body></html>',
  ];
  return reply
    .type('text/html; charset=utf-8')
    .header('X-Content-Type-Options', 'nosniff')
    .send(lines.join('\n'));
});

app.setErrorHandler((err, request, reply) => {
  const status = err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status === 500) request.log.error(err);
  reply.code(status).send({ error: status === 500 ? 'internal error' : 'bad request' });
});

db.exec(
  `CREATE TABLE IF NOT EXISTS merchants (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     email TEXT UNIQUE NOT NULL,
     name TEXT NOT NULL,
     password_hash TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS sessions (
     token TEXT PRIMARY KEY,
     merchant_id INTEGER NOT NULL REFERENCES merchants(id),
     expires_at INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS wares (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     merchant_id INTEGER NOT NULL REFERENCES merchants(id),
     name TEXT NOT NULL,
     description TEXT NOT NULL,
     price REAL NOT NULL);`,
  (err) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
    app.listen({ port: 5000, host: '0.0.0.0' }).catch((listenErr) => {
      console.error(listenErr);
      process.exit(1);
    });
  },
);
