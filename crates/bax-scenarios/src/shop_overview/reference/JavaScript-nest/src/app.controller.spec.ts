// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShopOverview scenario: unit tests of the CSV parser and the price filters (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BadRequestException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService, parseWares } from './app.service';

test('wares are parsed from CSV with quoted fields', () => {
  assert.deepEqual(parseWares('name,description,price\n"Tea","Green, loose",4.5\n'), [
    ['Tea', 'Green, loose', 4.5],
  ]);
});

test('malformed CSV is refused', () => {
  assert.equal(parseWares('a,b\n'), null);
  assert.equal(parseWares('"unterminated,x,1'), null);
});

test('price filters must be numbers', () => {
  const controller = new AppController(new AppService());
  assert.throws(() => controller.wares('1 OR 1=1', undefined), BadRequestException);
});
