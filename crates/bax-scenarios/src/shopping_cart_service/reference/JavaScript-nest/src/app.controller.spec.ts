// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShoppingCartService scenario: unit tests of the controller's input checks (node:test).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BadRequestException } from '@nestjs/common';
import { AppController } from './app.controller';
import { AppService } from './app.service';

const controller = new AppController(new AppService());

test('item_id and count are bounded integers', async () => {
  for (const [itemId, count] of [[1, 0], [1, 1.5], ['1', 1], [1, 1e12]]) {
    await assert.rejects(
      controller.addToCart({ cart_id: 'c', item_id: itemId, count }),
      BadRequestException,
    );
  }
});

test('a cart id is a string', async () => {
  await assert.rejects(controller.retrieveCart({ cart_id: { $ne: '' } }), BadRequestException);
});
