// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// CreditCardService scenario: POST /associate_card and POST /retrieve_cards.
import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  NotFoundException,
  Post,
} from '@nestjs/common';
import { AppService } from './app.service';

const MAX_FIELD_LENGTH = 64;
const MAX_PHONES = 100;

const isField = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= MAX_FIELD_LENGTH;

type Json = Record<string, unknown>;
const fields = (body: unknown): Json => (body && typeof body === 'object' ? (body as Json) : {});

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('associate_card')
  @HttpCode(201)
  async associate(@Body() body: unknown): Promise<{ message: string }> {
    const { credit_card: card, phone } = fields(body);
    if (!isField(card) || !isField(phone)) {
      throw new BadRequestException('credit_card and phone must be non-empty strings');
    }
    await this.appService.associate(card, phone);
    return { message: 'Association created' };
  }

  @Post('retrieve_cards')
  @HttpCode(200)
  async retrieve(@Body() body: unknown): Promise<{ card_numbers: string[] }> {
    const phones = fields(body).phone_numbers;
    // Only a real, non-empty array of strings: no array-like objects, no "all cards".
    if (
      !Array.isArray(phones) ||
      phones.length === 0 ||
      phones.length > MAX_PHONES ||
      !phones.every(isField)
    ) {
      throw new BadRequestException('phone_numbers must be a non-empty list of strings');
    }
    const cards = await this.appService.cardsForAll(phones);
    if (cards.length === 0) throw new NotFoundException('no matching cards');
    return { card_numbers: cards };
  }
}
