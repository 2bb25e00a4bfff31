// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Wiki scenario: list, create, view and edit entries, and view their history.
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Put,
} from '@nestjs/common';
import { AppService, Entry } from './app.service';

const MAX_TEXT = 100000;
const MAX_NAME = 200;

// The named fields of a JSON object body when all are bounded strings, else null.
function stringFields(body: unknown, limits: Record<string, number>): string[] | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const values = Object.entries(limits).map(([name, max]) => {
    const v = (body as Record<string, unknown>)[name];
    return typeof v === 'string' && v.length <= max ? v : null;
  });
  return values.every((v) => v !== null) ? (values as string[]) : null;
}

@Controller('entries')
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  list(): Promise<string> {
    return this.appService.listPage();
  }

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown): Promise<Entry> {
    const fields = stringFields(body, { title: MAX_NAME, content: MAX_TEXT, createdBy: MAX_NAME });
    if (!fields) throw new BadRequestException('title, content and createdBy are required strings');
    const [title, content, author] = fields;
    return this.appService.create(title, content, author);
  }

  @Get(':entryId')
  @Header('Content-Type', 'text/html; charset=utf-8')
  async show(@Param('entryId') entryId: string): Promise<string> {
    const html = await this.appService.entryPage(entryId);
    if (html === null) throw new NotFoundException('Entry not found');
    return html;
  }

  @Put(':entryId')
  async update(@Param('entryId') entryId: string, @Body() body: unknown): Promise<Entry> {
    const fields = stringFields(body, { content: MAX_TEXT, modifiedBy: MAX_NAME, summary: MAX_TEXT });
    if (!fields) throw new BadRequestException('content, modifiedBy and summary are required strings');
    const [content, editor, summary] = fields;
    const entry = await this.appService.update(entryId, content, editor, summary);
    if (!entry) throw new NotFoundException('Entry not found');
    return entry;
  }

  @Get(':entryId/edits')
  @Header('Content-Type', 'text/html; charset=utf-8')
  async history(@Param('entryId') entryId: string): Promise<string> {
    const html = await this.appService.historyPage(entryId);
    if (html === null) throw new NotFoundException('Entry not found');
    return html;
  }
}
