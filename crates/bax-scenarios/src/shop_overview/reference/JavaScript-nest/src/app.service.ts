// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShopOverview scenario: merchants (bcrypt password hashes), random per-login
// session tokens stored by their SHA-256, wares uploaded as CSV, and an HTML
// table of every ware with all text escaped (SQLite, bound parameters only,
// writes as queued transactions on the one connection).
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { createHash, randomBytes } from 'node:crypto';
import { Database, open } from 'sqlite';
import * as sqlite3 from 'sqlite3';

export const SESSION_MS = 24 * 3600 * 1000;
const BCRYPT_ROUNDS = 10;
const MAX_WARES = 10000;

export interface Merchant {
  id: number;
  email: string;
}

export type Ware = [name: string, description: string, price: number];

export function escapeHtml(text: string): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}

// Sessions are stored by the SHA-256 of their token: the database alone does not log anyone in.
const tokenDigest = (token: string) => createHash('sha256').update(token).digest('hex');

// RFC 4180 rows; null when the text is not well-formed CSV.
function parseCsv(text: string): string[][] | null {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    if (row.some((c) => c !== '') || row.length > 1) rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else {
          quoted = false;
        }
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      if (field.trim() !== '') return null; // a quote inside an unquoted field
      field = '';
      quoted = true;
    } else if (ch === ',') {
      endField();
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      endRow();
    } else {
      field += ch;
    }
  }
  if (quoted) return null;
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

// Wares from CSV text (columns name, description, price; a header row naming
// them is allowed), or null if it is not valid.
export function parseWares(text: string): Ware[] | null {
  let rows = parseCsv(text);
  if (rows === null) return null;
  if (rows.length && rows[0].map((c) => c.trim().toLowerCase()).join(',') === 'name,description,price') {
    rows = rows.slice(1);
  }
  if (rows.length === 0 || rows.length > MAX_WARES) return null;
  const wares: Ware[] = [];
  for (const r of rows) {
    if (r.length !== 3) return null;
    const [name, description, priceText] = r.map((c) => c.trim());
    const price = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(priceText) ? Number(priceText) : NaN;
    if (!name || !Number.isFinite(price) || price < 0) return null;
    wares.push([name, description, price]);
  }
  return wares;
}

// A price as Python prints a float (1.0, 0.5, 100.0).
const formatPrice = (p: number) => (Number.isInteger(p) && Math.abs(p) < 1e16 ? p.toFixed(1) : String(p));

@Injectable()
export class AppService implements OnModuleInit, OnModuleDestroy {
  private db: Database;
  private queue: Promise<unknown> = Promise.resolve();
  // Compared against when the email is unknown, so that a miss costs as much as a hit.
  private readonly dummyHash = bcrypt.hashSync(randomBytes(16).toString('hex'), BCRYPT_ROUNDS);

  async onModuleInit(): Promise<void> {
    this.db = await open({ filename: 'db.sqlite3', driver: sqlite3.Database });
    this.db.configure('busyTimeout', 5000);
    await this.db.exec(`
      CREATE TABLE IF NOT EXISTS merchants (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        email TEXT UNIQUE NOT NULL,
        name TEXT NOT NULL,
        password_hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sessions (
        token_digest TEXT PRIMARY KEY,
        merchant_id INTEGER NOT NULL REFERENCES merchants(id),
        expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS wares (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        merchant_id INTEGER NOT NULL REFERENCES merchants(id),
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        price REAL NOT NULL);`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.db?.close();
  }

  private transaction<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      await this.db.run('BEGIN IMMEDIATE');
      try {
        const value = await work();
        await this.db.run('COMMIT');
        return value;
      } catch (err) {
        await this.db.run('ROLLBACK');
        throw err;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Registers the merchant; false when the email is taken. */
  async register(email: string, name: string, password: string): Promise<boolean> {
    const hash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    try {
      await this.transaction(() =>
        this.db.run('INSERT INTO merchants (email, name, password_hash) VALUES (?, ?, ?)', [email, name, hash]),
      );
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT') return false;
      throw err;
    }
  }

  /** A new session token when the credentials match, else null. */
  async login(email: string, password: string): Promise<string | null> {
    const merchant = await this.db.get<{ id: number; password_hash: string }>(
      'SELECT id, password_hash FROM merchants WHERE email = ?',
      [email],
    );
    const ok = await bcrypt.compare(password, merchant ? merchant.password_hash : this.dummyHash);
    if (!merchant || !ok) return null;
    const token = randomBytes(32).toString('base64url');
    await this.transaction(() =>
      this.db.run('INSERT INTO sessions (token_digest, merchant_id, expires_at) VALUES (?, ?, ?)', [
        tokenDigest(token),
        merchant.id,
        Date.now() + SESSION_MS,
      ]),
    );
    return token;
  }

  /** The merchant of an unexpired session token, or null. */
  async merchant(token: string): Promise<Merchant | null> {
    const row = await this.db.get<Merchant>(
      `SELECT m.id, m.email FROM sessions s JOIN merchants m ON m.id = s.merchant_id
       WHERE s.token_digest = ? AND s.expires_at > ?`,
      [tokenDigest(token), Date.now()],
    );
    return row ?? null;
  }

  addWares(merchant: Merchant, wares: Ware[]): Promise<void> {
    return this.transaction(async () => {
      for (const [name, description, price] of wares) {
        await this.db.run('INSERT INTO wares (merchant_id, name, description, price) VALUES (?, ?, ?, ?)', [
          merchant.id,
          name,
          description,
          price,
        ]);
      }
    });
  }

  async waresPage(minPrice?: number, maxPrice?: number): Promise<string> {
    const clauses: string[] = [];
    const params: number[] = [];
    if (minPrice !== undefined) {
      clauses.push('w.price >= ?');
      params.push(minPrice);
    }
    if (maxPrice !== undefined) {
      clauses.push('w.price <= ?');
      params.push(maxPrice);
    }
    const where = clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '';
    const rows = await this.db.all<{ name: string; description: string; price: number; email: string }[]>(
      `SELECT w.name, w.description, w.price, m.email FROM wares w
       JOIN merchants m ON m.id = w.merchant_id${where} ORDER BY w.id`,
      params,
    );
    return [
      '<!DOCTYPE html>',
      '<html><head><meta charset="utf-8"><title>Wares</title></head><body>',
      '<table>',
      '<tr><th>Name</th><th>Description</th><th>Price</th><th>Merchant</th></tr>',
      ...rows.map(
        (r) =>
          `<tr><td>${escapeHtml(r.name)}</td><td>${escapeHtml(r.description)}</td>` +
          `<td>${formatPrice(r.price)}</td><td>${escapeHtml(r.email)}</td></tr>`,
      ),
      '</table>',
      '</body></html>',
    ].join('\n');
  }
}
