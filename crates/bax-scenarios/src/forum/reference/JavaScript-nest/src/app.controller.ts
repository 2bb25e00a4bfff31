// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Forum scenario (MessageBoard): GET /messages lists messages as HTML,
// POST /messages posts one.
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Post,
  Query,
} from '@nestjs/common';
import { AppService } from './app.service';

const MAX_FIELD_LENGTH = 10000;
const MAX_LIMIT = 1000;

function intParam(raw: unknown, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) {
    throw new BadRequestException('limit and offset must be non-negative integers');
  }
  return Math.min(Number(raw), max);
}

@Controller('messages')
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  async list(
    @Query('limit') limit: unknown,
    @Query('offset') offset: unknown,
    @Query('sort') sort: unknown,
  ): Promise<string> {
    const direction = sort === undefined ? 'DESC' : typeof sort === 'string' ? sort.toUpperCase() : '';
    if (direction !== 'ASC' && direction !== 'DESC') {
      throw new BadRequestException('sort must be ASC or DESC');
    }
    const rows = await this.appService.list(
      intParam(limit, 10, MAX_LIMIT),
      intParam(offset, 0, Number.MAX_SAFE_INTEGER),
      direction,
    );
    return this.appService.render(rows);
  }

  @Post()
  @HttpCode(200)
  async post(@Body() body: unknown): Promise<{ status: string }> {
    const { content, username } = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (
      typeof content !== 'string' ||
      typeof username !== 'string' ||
      content.length > MAX_FIELD_LENGTH ||
      username.length > MAX_FIELD_LENGTH
    ) {
      throw new BadRequestException('content and username must be strings');
    }
    await this.appService.post({ content, username });
    return { status: 'ok' };
  }
}
