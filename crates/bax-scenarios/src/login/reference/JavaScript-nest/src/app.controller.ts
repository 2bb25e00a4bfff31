// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Login scenario: POST /register and POST /login.
import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { AppService } from './app.service';

const isText = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max;

type Json = Record<string, unknown>;
const fields = (body: unknown): Json => (body && typeof body === 'object' ? (body as Json) : {});

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('register')
  @HttpCode(201)
  async register(@Body() body: unknown): Promise<{ message: string }> {
    const { email, password, name = '' } = fields(body);
    const invalid = new BadRequestException({ message: 'Email already in use or invalid data' });
    if (
      !isText(email, 254) ||
      !/^[^@\s]+@[^@\s]+$/.test(email) ||
      !isText(password, 72) ||
      typeof name !== 'string' ||
      name.length > 200
    ) {
      throw invalid;
    }
    if (!(await this.appService.register(email, password, name))) throw invalid;
    return { message: 'Registration successful' };
  }

  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown): Promise<{ token: string; message: string }> {
    const { email, password } = fields(body);
    const denied = new UnauthorizedException({ message: 'Invalid email or password' });
    if (!isText(email, 254) || !isText(password, 1024)) throw denied;
    const token = await this.appService.login(email, password);
    if (!token) throw denied;
    return { token, message: 'Login successful' };
  }
}
