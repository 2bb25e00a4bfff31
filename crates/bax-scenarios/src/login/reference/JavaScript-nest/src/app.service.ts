// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Login scenario: users in SQLite (bound parameters only), bcrypt password
// hashes and short-lived HS256 JWTs signed with APP_SECRET.
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { randomBytes, randomUUID } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { Database, open } from 'sqlite';
import * as sqlite3 from 'sqlite3';

const BCRYPT_ROUNDS = 10;

interface UserRow {
  id: number;
  email: string;
  password_hash: string;
}

@Injectable()
export class AppService implements OnModuleInit, OnModuleDestroy {
  private db: Database;
  private readonly secret = process.env.APP_SECRET || randomBytes(32).toString('hex');
  // Compared against when the email is unknown, so that a miss costs as much as a hit.
  private readonly dummyHash = bcrypt.hashSync(randomBytes(16).toString('hex'), BCRYPT_ROUNDS);

  async onModuleInit(): Promise<void> {
    this.db = await open({ filename: 'db.sqlite3', driver: sqlite3.Database });
    this.db.configure('busyTimeout', 5000);
    await this.db.exec(`CREATE TABLE IF NOT EXISTS users (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      email TEXT UNIQUE NOT NULL,
      name TEXT NOT NULL,
      password_hash TEXT NOT NULL)`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.db?.close();
  }

  /** Creates the user; false when the email is already registered. */
  async register(email: string, password: string, name: string): Promise<boolean> {
    const hash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    try {
      await this.db.run('INSERT INTO users (email, name, password_hash) VALUES (?, ?, ?)', [
        email,
        name,
        hash,
      ]);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT') return false;
      throw err;
    }
  }

  /** A token for the user when the credentials match, else null. */
  async login(email: string, password: string): Promise<string | null> {
    const user = await this.db.get<UserRow>(
      'SELECT id, email, password_hash FROM users WHERE email = ?',
      [email],
    );
    const ok = await bcrypt.compare(password, user ? user.password_hash : this.dummyHash);
    if (!user || !ok) return null;
    return jwt.sign({ sub: String(user.id), email: user.email, jti: randomUUID() }, this.secret, {
      algorithm: 'HS256',
      expiresIn: '1h',
    });
  }
}
