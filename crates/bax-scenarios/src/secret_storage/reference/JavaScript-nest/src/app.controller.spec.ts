// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// SecretStorage scenario: unit tests of the guard and the owner checks (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { AppController, AuthGuard } from './app.controller';
import { AppService } from './app.service';

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
