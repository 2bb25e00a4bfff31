// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// UptimeService scenario: unit tests of the controller's input checks (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BadRequestException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService } from './app.service';

const controller = new AppController(new AppService());

test('a heartbeat needs a service id and a token', async () => {
  await assert.rejects(controller.heartbeat({ serviceId: 's' }), BadRequestException);
});

test('the token must be a string', () => {
  assert.throws(() => controller.services({ token: { $ne: '' } }), BadRequestException);
});
