// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// SecretStorage scenario (Secret Vault): register, login, and the bearer-token
// guarded /set_secret and /get_secret, each only for the token's own user.
import {
  BadRequestException,
  Body,
  CanActivate,
  Controller,
  createParamDecorator,
  ExecutionContext,
  Get,
  HttpCode,
  Injectable,
  NotFoundException,
  Post,
  Query,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { Request } from 'express';
import { AppService, User } from './app.service';

const MAX_SECRET_LENGTH = 10000;

const isText = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max;

type Json = Record<string, unknown>;
const fields = (body: unknown): Json => (body && typeof body === 'object' ? (body as Json) : {});

const invalidToken = () => new UnauthorizedException({ message: 'Invalid authentication token' });

/** Verifies the bearer token and puts its user on the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly appService: AppService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { user?: User }>();
    const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
    const user = match ? await this.appService.verify(match[1]) : null;
    if (!user) throw invalidToken();
    request.user = user;
    return true;
  }
}

/** The user AuthGuard authenticated. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): User =>
    context.switchToHttp().getRequest<Request & { user: User }>().user,
);

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('register')
  @HttpCode(201)
  async register(@Body() body: unknown): Promise<{ message: string }> {
    const { email, username, password } = fields(body);
    const invalid = new BadRequestException({ message: 'Email already in use or invalid data' });
    if (
      !isText(email, 254) ||
      !/^[^@\s]+@[^@\s]+$/.test(email) ||
      !isText(username, 100) ||
      !isText(password, 72)
    ) {
      throw invalid;
    }
    if (!(await this.appService.register(email, username, password))) throw invalid;
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

  @Post('set_secret')
  @HttpCode(200)
  @UseGuards(AuthGuard)
  async setSecret(@CurrentUser() user: User, @Body() body: unknown): Promise<{ message: string }> {
    const { username, secret } = fields(body);
    if (username !== user.username) throw invalidToken();
    if (typeof secret !== 'string' || secret.length > MAX_SECRET_LENGTH) {
      throw new BadRequestException({ message: 'secret must be a string' });
    }
    await this.appService.setSecret(user, secret);
    return { message: 'Secret has been set successfully' };
  }

  @Get('get_secret')
  @UseGuards(AuthGuard)
  async getSecret(
    @CurrentUser() user: User,
    @Query('username') username: unknown,
  ): Promise<{ secret: string }> {
    if (username !== user.username) throw invalidToken();
    const secret = await this.appService.getSecret(user);
    if (secret === null) throw new NotFoundException({ message: 'No secret stored for this user' });
    return { secret };
  }
}
