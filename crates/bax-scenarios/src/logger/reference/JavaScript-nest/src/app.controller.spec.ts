// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Logger scenario: unit tests of the log-line neutralization (node:assert).
import * as assert from 'node:assert/strict';
import { neutralize } from './app.service';

// A minimal runner on the standard library (the manifest has no test framework):
// `npx ts-node src/app.controller.spec.ts` runs every test and exits non-zero on a failure.
const tests: [string, () => unknown][] = [];
const test = (name: string, fn: () => unknown) => tests.push([name, fn]);

test('a message stays on one line', () => {
  assert.equal(neutralize('a\nINFO forged\r\n'), 'a\\nINFO forged\\r\\n');
});

test('an escape cannot be faked', () => {
  assert.equal(neutralize('a\\nb'), 'a\\\\nb');
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
