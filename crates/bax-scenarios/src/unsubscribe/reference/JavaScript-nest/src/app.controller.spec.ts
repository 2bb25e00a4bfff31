// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Unsubscribe scenario: unit tests of the decision (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { AppController } from './app.controller';
import { AppService } from './app.service';

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
