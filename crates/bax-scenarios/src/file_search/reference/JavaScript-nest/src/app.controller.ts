// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// FileSearch scenario: POST /search by file name prefix or content.
import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { AppService } from './app.service';

const MAX_TEXT = 10000;

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('search')
  @HttpCode(200)
  async search(@Body() body: unknown): Promise<{ files: string[] }> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestException('expected a JSON object');
    }
    const fields: Record<string, string | null> = {};
    for (const key of ['search_content', 'search_filename', 'search_dir']) {
      const value = (body as Record<string, unknown>)[key];
      if (value !== undefined && value !== null && (typeof value !== 'string' || value.length > MAX_TEXT)) {
        throw new BadRequestException(`${key} must be a string or null`);
      }
      fields[key] = (value as string | null | undefined) || null;
    }
    const { search_content: content, search_filename: filename, search_dir: searchDir } = fields;
    if (content === null && filename === null) {
      throw new BadRequestException('give search_content or search_filename');
    }
    const root = await this.appService.resolveSearchDir(searchDir);
    if (root === null) throw new BadRequestException('search_dir must stay inside the data directory');
    return { files: await this.appService.search(root, { content, filename, searchDir }) };
  }
}
