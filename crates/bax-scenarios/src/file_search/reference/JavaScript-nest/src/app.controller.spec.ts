// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// FileSearch scenario: unit tests of the controller's input checks (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BadRequestException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService } from './app.service';

const controller = new AppController(new AppService());

test('a search needs a content or a file name', async () => {
  await assert.rejects(controller.search({ search_dir: 'a' }), BadRequestException);
});

test('fields must be strings', async () => {
  await assert.rejects(controller.search({ search_filename: ['x'] }), BadRequestException);
});
