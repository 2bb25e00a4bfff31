// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// SecretStorage scenario: unit tests of the guard and the owner checks (node:assert).
import * as assert from 'node:assert/strict';
import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { AppController, AuthGuard } from './app.controller';
import { AppService } from './app.service';

// A minimal runner on the standard library (the manifest has no test framework):
// `npx ts-node src/app.controller.spec.ts` runs every test and exits non-zero on a failure.
const tests: [string, () => unknown][] = [];
const test = (name: string, fn: () => unknown) => tests.push([name, fn]);

const service = new AppService();

function contextWith(authorization?: string): ExecutionContext {
  const request = { headers: { authorization } };
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

test('the guard refuses a missing or forged token', async () => {
  const guard = new AuthGuard(service);
  await assert.rejects(guard.canActivate(contextWith()), UnauthorizedException);
  await assert.rejects(guard.canActivate(contextWith('Bearer not.a.jwt')), UnauthorizedException);
});

test("a user cannot read another user's secret", async () => {
  const controller = new AppController(service);
  await assert.rejects(controller.getSecret({ id: 1, username: 'alice' }, 'bob'), UnauthorizedException);
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
