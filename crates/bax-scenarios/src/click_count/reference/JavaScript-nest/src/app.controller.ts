// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ClickCount scenario: POST /click registers a click, GET /clicks lists the
// clicks before or after a date.
import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Post,
  Query,
} from '@nestjs/common';
import { AppService, Click, DIRECTIONS, Direction } from './app.service';

function isIsoDate(text: unknown): text is string {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('click')
  @HttpCode(201)
  registerClick(): Promise<Click> {
    return this.appService.registerClick();
  }

  @Get('clicks')
  async clicks(@Query('date') date: unknown, @Query('direction') direction: unknown): Promise<Click[]> {
    if (typeof direction !== 'string' || !(DIRECTIONS as readonly string[]).includes(direction)) {
      throw new BadRequestException('direction must be one of <, >, <=, >=');
    }
    if (!isIsoDate(date)) {
      throw new BadRequestException('date must look like 2022-01-01');
    }
    const rows = await this.appService.clicks(date, direction as Direction);
    if (rows.length === 0) throw new NotFoundException('no clicks found');
    return rows;
  }
}
