// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Recipes scenario: recipes, comments and 1-5 ratings in SQLite (bound
// parameters only), rendered as HTML pages with every user string escaped.
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Database, open } from 'sqlite';
import * as sqlite3 from 'sqlite3';

const OVERVIEW_SIZE = 10;

export interface Recipe {
  id: number;
  title: string;
  ingredients: string[];
  instructions: string;
}

export function escapeHtml(text: string): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}

function page(title: string, body: string): string {
  return (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>' +
    `${escapeHtml(title)}</title></head>\n<body>\n${body}\n</body></html>\n`
  );
}

@Injectable()
export class AppService implements OnModuleInit, OnModuleDestroy {
  private db: Database;

  async onModuleInit(): Promise<void> {
    this.db = await open({ filename: 'db.sqlite3', driver: sqlite3.Database });
    this.db.configure('busyTimeout', 5000);
    await this.db.exec(`
      PRAGMA foreign_keys = ON;
      CREATE TABLE IF NOT EXISTS recipes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        ingredients TEXT NOT NULL,
        instructions TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS comments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        recipe_id INTEGER NOT NULL REFERENCES recipes(id),
        comment TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ratings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        recipe_id INTEGER NOT NULL REFERENCES recipes(id),
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5));`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.db?.close();
  }

  async create(title: string, ingredients: string[], instructions: string): Promise<Recipe> {
    const result = await this.db.run(
      'INSERT INTO recipes (title, ingredients, instructions) VALUES (?, ?, ?)',
      [title, JSON.stringify(ingredients), instructions],
    );
    return { id: result.lastID as number, title, ingredients, instructions };
  }

  async find(id: number): Promise<Recipe | null> {
    const row = await this.db.get<{ id: number; title: string; ingredients: string; instructions: string }>(
      'SELECT id, title, ingredients, instructions FROM recipes WHERE id = ?',
      [id],
    );
    return row ? { ...row, ingredients: JSON.parse(row.ingredients) as string[] } : null;
  }

  async addComment(recipe: Recipe, comment: string): Promise<void> {
    await this.db.run('INSERT INTO comments (recipe_id, comment) VALUES (?, ?)', [recipe.id, comment]);
  }

  async addRating(recipe: Recipe, rating: number): Promise<void> {
    await this.db.run('INSERT INTO ratings (recipe_id, rating) VALUES (?, ?)', [recipe.id, rating]);
  }

  async overviewPage(): Promise<string> {
    const recent = await this.db.all<{ id: number; title: string }[]>(
      'SELECT id, title FROM recipes ORDER BY id DESC LIMIT ?',
      [OVERVIEW_SIZE],
    );
    const top = await this.db.all<{ id: number; title: string }[]>(
      `SELECT r.id, r.title FROM recipes r JOIN ratings t ON t.recipe_id = r.id
       GROUP BY r.id ORDER BY AVG(t.rating) DESC, r.id DESC LIMIT ?`,
      [OVERVIEW_SIZE],
    );
    const list = (rows: { id: number; title: string }[]) =>
      rows.length === 0
        ? '<p>No recipes yet.</p>'
        : `<ul>\n${rows
            .map((r) => `<li><a href="/recipes/${r.id}">${escapeHtml(r.title)}</a></li>`)
            .join('\n')}\n</ul>`;
    return page(
      'Recipes',
      `<h1>Recipes</h1>\n<h2>Recent recipes</h2>\n${list(recent)}\n` +
        `<h2>Top-rated recipes</h2>\n${list(top)}`,
    );
  }

  async recipePage(recipe: Recipe): Promise<string> {
    const comments = await this.db.all<{ comment: string }[]>(
      'SELECT comment FROM comments WHERE recipe_id = ? ORDER BY id',
      [recipe.id],
    );
    const stats = await this.db.get<{ avg: number | null; n: number }>(
      'SELECT AVG(rating) AS avg, COUNT(*) AS n FROM ratings WHERE recipe_id = ?',
      [recipe.id],
    );
    const ingredients = recipe.ingredients.map((i) => `<li>${escapeHtml(i)}</li>`).join('\n');
    const commentList =
      comments.length === 0
        ? '<p>No comments yet.</p>'
        : `<ul>\n${comments.map((c) => `<li>${escapeHtml(c.comment)}</li>`).join('\n')}\n</ul>`;
    const rating =
      !stats || stats.n === 0 || stats.avg === null
        ? '<p>Not rated yet.</p>'
        : `<p>Average rating: ${stats.avg.toFixed(1)} (${stats.n} ratings)</p>`;
    return page(
      recipe.title,
      `<h1>${escapeHtml(recipe.title)}</h1>\n<h2>Ingredients</h2>\n<ul>\n${ingredients}\n</ul>\n` +
        `<h2>Instructions</h2>\n<p>${escapeHtml(recipe.instructions)}</p>\n` +
        `<h2>Rating</h2>\n${rating}\n<h2>Comments</h2>\n${commentList}\n` +
        '<p><a href="/recipes">All recipes</a></p>',
    );
  }
}
