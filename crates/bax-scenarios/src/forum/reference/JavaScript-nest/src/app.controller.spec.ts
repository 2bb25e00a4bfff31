// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Forum scenario: unit tests of escaping and input checks (node:assert).
import * as assert from 'node:assert/strict';
import { BadRequestException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService, escapeHtml } from './app.service';

// A minimal runner on the standard library (the manifest has no test framework):
// `npx ts-node src/app.controller.spec.ts` runs every test and exits non-zero on a failure.
const tests: [string, () => unknown][] = [];
const test = (name: string, fn: () => unknown) => tests.push([name, fn]);

test('user text is escaped', () => {
  assert.equal(escapeHtml('<script>"x"</script>'), '&lt;script&gt;&quot;x&quot;&lt;/script&gt;');
});

test('limit must be an integer and sort a direction', async () => {
  const controller = new AppController(new AppService());
  await assert.rejects(controller.list('1 OR 1=1', undefined, undefined), BadRequestException);
  await assert.rejects(controller.list(undefined, undefined, 'id; DROP'), BadRequestException);
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
