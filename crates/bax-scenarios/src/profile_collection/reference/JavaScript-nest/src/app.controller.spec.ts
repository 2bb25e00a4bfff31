// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ProfileCollection scenario: unit tests of the HTML sanitizer (node:assert).
import * as assert from 'node:assert/strict';
import { sanitize } from './app.service';

// A minimal runner on the standard library (the manifest has no test framework):
// `npx ts-node src/app.controller.spec.ts` runs every test and exits non-zero on a failure.
const tests: [string, () => unknown][] = [];
const test = (name: string, fn: () => unknown) => tests.push([name, fn]);

test('scripts and event handlers are dropped', () => {
  assert.equal(sanitize('<p onclick="x()">hi<script>alert(1)</script></p>'), '<p>hi</p>');
});

test('javascript: URLs are dropped', () => {
  assert.equal(sanitize('<a href="javascript:alert(1)">x</a>'), '<a>x</a>');
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
