// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Compiler scenario: unit tests of the file-name checks (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BadRequestException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService } from './app.service';

const controller = new AppController(new AppService());

test('file names are plain names', async () => {
  for (const fileName of ['../x.ts', 'a.ts; rm -rf /', '/etc/x.cpp', 'x.py']) {
    await assert.rejects(controller.compile({ fileName, fileContent: '' }), BadRequestException);
  }
});
