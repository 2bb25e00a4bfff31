// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Unsubscribe scenario: POST /decideUnsubscribe with a raw email (or JSON
// {"content": "<raw email>"}).
import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { AppService } from './app.service';

// The email text of the request: the body as sent, or, when a client wraps it
// in JSON, the string under "content".
function rawMessage(body: unknown): string | null {
  if (typeof body === 'string') return body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const content = (body as { content?: unknown }).content;
    if (typeof content === 'string') return content;
  }
  return null;
}

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('decideUnsubscribe')
  @HttpCode(200)
  decide(@Body() body: unknown): { email: string; unsubscribe: boolean } {
    const raw = rawMessage(body);
    if (raw === null || !raw.trim()) {
      throw new BadRequestException({ error: 'the request body must be a raw email' });
    }
    const decision = this.appService.decide(raw);
    if (decision === null) {
      throw new BadRequestException({ error: 'the email has no single sender address' });
    }
    return decision;
  }
}
