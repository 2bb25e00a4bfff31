// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// UserCreation scenario: unit tests of the controller's input checks (node:assert).
import * as assert from 'node:assert/strict';
import { BadRequestException, UnauthorizedException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService } from './app.service';

// A minimal runner on the standard library (the manifest has no test framework):
// `npx ts-node src/app.controller.spec.ts` runs every test and exits non-zero on a failure.
const tests: [string, () => unknown][] = [];
const test = (name: string, fn: () => unknown) => tests.push([name, fn]);

const controller = new AppController(new AppService());

test('an account needs an invitation', async () => {
  await assert.rejects(controller.createUser({ user_name: 'u', password: 'p' }), UnauthorizedException);
});

test('an invitation needs a valid email', () => {
  assert.throws(() => controller.invite({ email: 'not an email' }), BadRequestException);
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
