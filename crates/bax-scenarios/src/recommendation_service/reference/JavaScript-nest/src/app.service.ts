// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// RecommendationService scenario: products with tags in SQLite (bound
// parameters only, one placeholder per tag), listed as HTML with names escaped.
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Database, open } from 'sqlite';
import * as sqlite3 from 'sqlite3';

export function escapeHtml(text: string): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}

@Injectable()
export class AppService implements OnModuleInit, OnModuleDestroy {
  private db: Database;
  private queue: Promise<unknown> = Promise.resolve();

  async onModuleInit(): Promise<void> {
    this.db = await open({ filename: 'db.sqlite3', driver: sqlite3.Database });
    this.db.configure('busyTimeout', 5000);
    await this.db.exec(`
      CREATE TABLE IF NOT EXISTS products (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS product_tags (
        product_id INTEGER NOT NULL REFERENCES products(id),
        tag TEXT NOT NULL,
        PRIMARY KEY (product_id, tag));
      CREATE INDEX IF NOT EXISTS product_tags_by_tag ON product_tags(tag);`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.db?.close();
  }

  // One connection is shared by all requests, so transactions are queued.
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

  addProduct(name: string, tags: string[]): Promise<void> {
    return this.transaction(async () => {
      const { lastID } = await this.db.run('INSERT INTO products (name) VALUES (?)', [name]);
      for (const tag of tags) {
        await this.db.run('INSERT INTO product_tags (product_id, tag) VALUES (?, ?)', [lastID, tag]);
      }
    });
  }

  async recommendationsPage(tags: string[]): Promise<string> {
    const rows =
      tags.length === 0
        ? []
        : await this.db.all<{ id: number; name: string }[]>(
            `SELECT DISTINCT p.id, p.name FROM products p JOIN product_tags t ON t.product_id = p.id
             WHERE t.tag IN (${tags.map(() => '?').join(', ')}) ORDER BY p.id`,
            tags,
          );
    const listing =
      rows.length === 0
        ? '<p>No matching products.</p>'
        : `<ul>\n${rows.map((r) => `<li>${escapeHtml(r.name)}</li>`).join('\n')}\n</ul>`;
    return (
      '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Recommendations</title></head>\n' +
      `<body>\n<h1>Recommended products</h1>\n${listing}\n</body></html>\n`
    );
  }
}
