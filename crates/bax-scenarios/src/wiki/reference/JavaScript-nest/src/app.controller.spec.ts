// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Wiki scenario: unit tests of the diff, escaping and input checks (node:assert).
import * as assert from 'node:assert/strict';
import { BadRequestException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService, escapeHtml, lineDiff } from './app.service';

// A minimal runner on the standard library (the manifest has no test framework):
// `npx ts-node src/app.controller.spec.ts` runs every test and exits non-zero on a failure.
const tests: [string, () => unknown][] = [];
const test = (name: string, fn: () => unknown) => tests.push([name, fn]);

test('a line diff marks removed and added lines', () => {
  assert.equal(lineDiff('a\nb\nc', 'a\nB\nc'), '--- before\n+++ after\n a\n-b\n+B\n c');
});

test('stored text is escaped', () => {
  assert.equal(escapeHtml('<script>'), '&lt;script&gt;');
});

test('an entry needs a title, content and author', () => {
  const controller = new AppController(new AppService());
  assert.throws(() => controller.create({ title: 't' }), BadRequestException);
});

void (async () => {
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`ok - ${name}`);
    } catch (err) {
      process.exitCode = 1;
      console.log(`not ok - ${name}\n${String(err)}`);
    }
  }
})();
