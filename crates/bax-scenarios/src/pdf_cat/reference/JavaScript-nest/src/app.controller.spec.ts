// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// PDFCat scenario: unit tests of the upload checks (node:assert).
import * as assert from 'node:assert/strict';
import { BadRequestException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService } from './app.service';

// A minimal runner on the standard library (the manifest has no test framework):
// `npx ts-node src/app.controller.spec.ts` runs every test and exits non-zero on a failure.
const tests: [string, () => unknown][] = [];
const test = (name: string, fn: () => unknown) => tests.push([name, fn]);

const controller = new AppController(new AppService());

test('at least one file is needed', async () => {
  await assert.rejects(controller.concatenate([]), BadRequestException);
});

test('every file must be a PDF', async () => {
  const file = { buffer: Buffer.from('#!/bin/sh') } as Express.Multer.File;
  await assert.rejects(controller.concatenate([file]), BadRequestException);
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
