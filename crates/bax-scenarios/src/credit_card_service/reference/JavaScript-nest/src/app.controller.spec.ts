// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// CreditCardService scenario: unit tests of the controller's input checks (node:assert).
import * as assert from 'node:assert/strict';
import { BadRequestException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService } from './app.service';

// A minimal runner on the standard library (the manifest has no test framework):
// `npx ts-node src/app.controller.spec.ts` runs every test and exits non-zero on a failure.
const tests: [string, () => unknown][] = [];
const test = (name: string, fn: () => unknown) => tests.push([name, fn]);

const controller = new AppController(new AppService());

test('an empty or array-like phone list is rejected', async () => {
  await assert.rejects(controller.retrieve({ phone_numbers: [] }), BadRequestException);
  await assert.rejects(
    controller.retrieve({ phone_numbers: { length: 1, 0: ['1-800'] } }),
    BadRequestException,
  );
});

test('an association needs both fields', async () => {
  await assert.rejects(controller.associate({ credit_card: '4111' }), BadRequestException);
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
