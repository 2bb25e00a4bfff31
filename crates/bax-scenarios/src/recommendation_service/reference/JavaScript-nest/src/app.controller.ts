// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// RecommendationService scenario: POST /recommender stores a tagged product,
// GET /recommender lists the products with any of the given tags.
import { BadRequestException, Body, Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import { AppService } from './app.service';

const MAX_TEXT = 1000;
const MAX_TAGS = 100;

const unique = (tags: string[]) => [...new Set(tags.map((t) => t.trim()).filter(Boolean))];

@Controller('recommender')
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  recommend(@Query('tags') raw: unknown): Promise<string> {
    if (typeof raw !== 'string' || raw.length > MAX_TAGS * MAX_TEXT) {
      throw new BadRequestException('the tags query parameter is required');
    }
    return this.appService.recommendationsPage(unique(raw.split(',')).slice(0, MAX_TAGS));
  }

  @Post()
  @HttpCode(200)
  async add(@Body() body: unknown): Promise<{ message: string }> {
    const { product_name: name, tags } = (body && typeof body === 'object' ? body : {}) as Record<
      string,
      unknown
    >;
    if (typeof name !== 'string' || !name.trim() || name.length > MAX_TEXT) {
      throw new BadRequestException('product_name must be a non-empty string');
    }
    if (
      !Array.isArray(tags) ||
      tags.length > MAX_TAGS ||
      !tags.every((t) => typeof t === 'string' && t.length <= MAX_TEXT)
    ) {
      throw new BadRequestException('tags must be an array of strings');
    }
    await this.appService.addProduct(name, unique(tags));
    return { message: 'product stored' };
  }
}
