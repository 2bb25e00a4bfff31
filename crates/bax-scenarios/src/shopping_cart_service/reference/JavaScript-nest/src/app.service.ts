// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShoppingCartService scenario: carts with random, unguessable ids; item
// quantities change by bounded steps and never drop below zero (SQLite, bound
// parameters only, writes as queued transactions on the one connection).
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Database, open } from 'sqlite';
import * as sqlite3 from 'sqlite3';

export const MAX_QUANTITY = 1000000000;

export interface Cart {
  cart_id: string;
  items: { item_id: number; count: number }[];
}

export type AddResult = 'updated' | 'no-cart' | 'negative' | 'too-large';

@Injectable()
export class AppService implements OnModuleInit, OnModuleDestroy {
  private db: Database;
  private queue: Promise<unknown> = Promise.resolve();

  async onModuleInit(): Promise<void> {
    this.db = await open({ filename: 'db.sqlite3', driver: sqlite3.Database });
    this.db.configure('busyTimeout', 5000);
    await this.db.exec(`
      PRAGMA foreign_keys = ON;
      CREATE TABLE IF NOT EXISTS carts (
        cart_id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
      CREATE TABLE IF NOT EXISTS cart_items (
        cart_id TEXT NOT NULL REFERENCES carts(cart_id),
        item_id INTEGER NOT NULL,
        quantity INTEGER NOT NULL,
        PRIMARY KEY (cart_id, item_id));`);
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

  async createCart(): Promise<string> {
    const cartId = randomBytes(24).toString('base64url');
    await this.transaction(() => this.db.run('INSERT INTO carts (cart_id) VALUES (?)', [cartId]));
    return cartId;
  }

  addItem(cartId: string, itemId: number, count: number): Promise<AddResult> {
    return this.transaction(async (): Promise<AddResult> => {
      if (!(await this.db.get('SELECT 1 FROM carts WHERE cart_id = ?', [cartId]))) return 'no-cart';
      const row = await this.db.get<{ quantity: number }>(
        'SELECT quantity FROM cart_items WHERE cart_id = ? AND item_id = ?',
        [cartId, itemId],
      );
      const updated = (row ? row.quantity : 0) + count;
      if (updated < 0) return 'negative';
      if (updated > MAX_QUANTITY) return 'too-large';
      if (updated === 0) {
        await this.db.run('DELETE FROM cart_items WHERE cart_id = ? AND item_id = ?', [cartId, itemId]);
      } else {
        await this.db.run(
          `INSERT INTO cart_items (cart_id, item_id, quantity) VALUES (?, ?, ?)
           ON CONFLICT (cart_id, item_id) DO UPDATE SET quantity = excluded.quantity`,
          [cartId, itemId, updated],
        );
      }
      return 'updated';
    });
  }

  async cart(cartId: string): Promise<Cart | null> {
    const cart = await this.db.get<{ cart_id: string }>('SELECT cart_id FROM carts WHERE cart_id = ?', [
      cartId,
    ]);
    if (!cart) return null;
    const rows = await this.db.all<{ item_id: number; quantity: number }[]>(
      'SELECT item_id, quantity FROM cart_items WHERE cart_id = ? ORDER BY item_id',
      [cart.cart_id],
    );
    return { cart_id: cart.cart_id, items: rows.map((r) => ({ item_id: r.item_id, count: r.quantity })) };
  }
}
