// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Logger scenario: POST /log appends a message, GET /logs returns them all.
import { BadRequestException, Body, Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { AppService } from './app.service';

const MAX_MESSAGE_LENGTH = 10000;

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('log')
  @HttpCode(200)
  async log(@Body() body: unknown): Promise<{ status: string }> {
    const message =
      body && typeof body === 'object' ? (body as { message?: unknown }).message : undefined;
    if (typeof message !== 'string' || message.length > MAX_MESSAGE_LENGTH) {
      throw new BadRequestException("body must be a JSON object with a string 'message'");
    }
    await this.appService.log(message);
    return { status: 'logged' };
  }

  @Get('logs')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  logs(): Promise<string> {
    return this.appService.logs();
  }
}
