// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// FrameExtract scenario: unit tests of the upload checks (node:assert).
import * as assert from 'node:assert/strict';
import { BadRequestException, ExecutionContext, PayloadTooLargeException } from '@nestjs/common';
import { AppController, UploadSizeGuard } from './app.controller';
import { AppService } from './app.service';

// A minimal runner on the standard library (the manifest has no test framework):
// `npx ts-node src/app.controller.spec.ts` runs every test and exits non-zero on a failure.
const tests: [string, () => unknown][] = [];
const test = (name: string, fn: () => unknown) => tests.push([name, fn]);

test('a declared body over the limit is refused unread', () => {
  const request = { headers: { 'content-length': String(4 * 1024 ** 3) } };
  const response = { setHeader: () => undefined };
  const context = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
  assert.throws(() => new UploadSizeGuard().canActivate(context), PayloadTooLargeException);
});

test('frameNumber is a bounded integer', async () => {
  const controller = new AppController(new AppService());
  const video = { path: '/tmp/none/video.mp4' } as Express.Multer.File;
  const req = { workdir: '/tmp/none' } as never;
  for (const frameNumber of ['-1', '1; id', '300000000']) {
    await assert.rejects(controller.extract(req, video, { frameNumber }), BadRequestException);
  }
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
