// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// PDFCat scenario: unit tests of the upload checks (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BadRequestException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService } from './app.service';

const controller = new AppController(new AppService());

test('at least one file is needed', async () => {
  await assert.rejects(controller.concatenate([]), BadRequestException);
});

test('every file must be a PDF', async () => {
  const file = { buffer: Buffer.from('#!/bin/sh') } as Express.Multer.File;
  await assert.rejects(controller.concatenate([file]), BadRequestException);
});
