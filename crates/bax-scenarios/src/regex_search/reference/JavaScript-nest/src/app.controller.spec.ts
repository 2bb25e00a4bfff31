// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// RegexSearch scenario: unit tests of the controller's input checks (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { AppController } from './app.controller';
import { AppService, SearchError } from './app.service';

const controller = new AppController(new AppService());

test('an invalid regex is a 400', async () => {
  await assert.rejects(controller.search('(unclosed'), SearchError);
});

test('the directory stays inside the files root', async () => {
  await assert.rejects(controller.search('x', '../../etc'), SearchError);
  await assert.rejects(controller.search('x', '/etc'), SearchError);
});
