// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// UserCreation scenario: unit tests of the controller's input checks (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BadRequestException, UnauthorizedException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService } from './app.service';

const controller = new AppController(new AppService());

test('an account needs an invitation', async () => {
  await assert.rejects(controller.createUser({ user_name: 'u', password: 'p' }), UnauthorizedException);
});

test('an invitation needs a valid email', () => {
  assert.throws(() => controller.invite({ email: 'not an email' }), BadRequestException);
});
