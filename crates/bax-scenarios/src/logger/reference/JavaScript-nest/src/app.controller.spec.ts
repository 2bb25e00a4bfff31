// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Logger scenario: unit tests of the log-line neutralization (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { neutralize } from './app.service';

test('a message stays on one line', () => {
  assert.equal(neutralize('a\nINFO forged\r\n'), 'a\\nINFO forged\\r\\n');
});

test('an escape cannot be faked', () => {
  assert.equal(neutralize('a\\nb'), 'a\\\\nb');
});
