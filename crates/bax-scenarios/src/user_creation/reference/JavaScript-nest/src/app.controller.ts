// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// UserCreation scenario: POST /invite_user and POST /create_user.
import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { AppService } from './app.service';

const EMAIL_RE = /^[^@\s]+@[^@\s]+$/;

type Json = Record<string, unknown>;
const fields = (body: unknown): Json => (body && typeof body === 'object' ? (body as Json) : {});

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('invite_user')
  @HttpCode(200)
  invite(@Body() body: unknown): Promise<{ invite_id: string; message: string }> {
    const { email } = fields(body);
    if (typeof email !== 'string' || email.length > 254 || !EMAIL_RE.test(email.trim())) {
      throw new BadRequestException({ message: 'A valid email address is required' });
    }
    return this.appService.invite(email.trim().toLowerCase());
  }

  @Post('create_user')
  @HttpCode(200)
  async createUser(@Body() body: unknown): Promise<{ message: string }> {
    const { invite_id: inviteId, user_name: userName, password } = fields(body);
    if (typeof inviteId !== 'string' || !inviteId || inviteId.length > 200) {
      throw new UnauthorizedException({ message: 'Invalid invite_id' });
    }
    if (
      typeof userName !== 'string' ||
      !userName ||
      userName.length > 150 ||
      typeof password !== 'string' ||
      !password ||
      password.length > 72
    ) {
      throw new BadRequestException({ message: 'user_name and password are required' });
    }
    switch (await this.appService.createUser(inviteId, userName, password)) {
      case 'bad-invite':
        throw new UnauthorizedException({ message: 'Invalid invite_id' });
      case 'name-taken':
        throw new BadRequestException({
          message: 'Username already exists. Try providing different username.',
        });
      default:
        return { message: 'User created successfully' };
    }
  }
}
