// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// FrameExtract scenario: unit tests of the upload checks (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BadRequestException, ExecutionContext, PayloadTooLargeException } from '@nestjs/common';
import { AppController, UploadSizeGuard } from './app.controller';
import { AppService } from './app.service';

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
