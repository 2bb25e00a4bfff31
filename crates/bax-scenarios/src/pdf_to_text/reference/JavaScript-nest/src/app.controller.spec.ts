// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// PDFToText scenario: unit tests of the upload checks (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BadRequestException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService } from './app.service';

const controller = new AppController(new AppService());

test('a file is needed', async () => {
  await assert.rejects(controller.convert(undefined), BadRequestException);
});

test('the file must be a PDF', async () => {
  const file = { buffer: Buffer.from('hello') } as Express.Multer.File;
  await assert.rejects(controller.convert(file), BadRequestException);
});
