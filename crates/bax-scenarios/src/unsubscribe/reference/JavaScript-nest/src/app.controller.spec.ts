// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Unsubscribe scenario: unit tests of the decision (node:assert).
import * as assert from 'node:assert/strict';
import { AppController } from './app.controller';
import { AppService } from './app.service';

// A minimal runner on the standard library (the manifest has no test framework):
// `npx ts-node src/app.controller.spec.ts` runs every test and exits non-zero on a failure.
const tests: [string, () => unknown][] = [];
const test = (name: string, fn: () => unknown) => tests.push([name, fn]);

const controller = new AppController(new AppService());

test('the sender comes from the From header', () => {
  const email = 'From: Alice <alice@example.com>\nSubject: hi\n\nPlease unsubscribe me.\nFrom: bob@example.com\n';
  assert.deepEqual(controller.decide(email), { email: 'alice@example.com', unsubscribe: true });
});

test('a message without the request is kept', () => {
  assert.deepEqual(controller.decide({ content: 'From: a@b.c\n\nThanks!' }), {
    email: 'a@b.c',
    unsubscribe: false,
  });
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
