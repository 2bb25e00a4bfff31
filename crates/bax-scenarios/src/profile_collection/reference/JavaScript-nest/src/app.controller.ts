// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ProfileCollection scenario: POST /add_profile (multipart form, size-limited),
// GET /profile/{username} (sanitized HTML), GET /profile-photo/{username} (PNG).
import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  Get,
  Header,
  HttpCode,
  NotFoundException,
  Param,
  PayloadTooLargeException,
  Post,
  StreamableFile,
  UploadedFiles,
  UseInterceptors,
} from '@nestjs/common';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import { AppService } from './app.service';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_PAGE = 1024 * 1024;
const MAX_PHOTO = 8 * 1024 * 1024;
const MAX_USERNAME = 200;

interface ProfileFiles {
  profile_page?: Express.Multer.File[];
  profile_photo?: Express.Multer.File[];
}

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('add_profile')
  @HttpCode(201)
  @UseInterceptors(
    FileFieldsInterceptor(
      [
        { name: 'profile_page', maxCount: 1 },
        { name: 'profile_photo', maxCount: 1 },
      ],
      // In memory, with every part bounded: an oversized part is refused while it streams.
      { limits: { fieldSize: MAX_PAGE, fileSize: MAX_PHOTO, files: 2, fields: 10, parts: 12 } },
    ),
  )
  async addProfile(
    @Body() body: Record<string, unknown>,
    @UploadedFiles() files: ProfileFiles = {},
  ): Promise<{ message: string }> {
    const username = body?.username;
    let page = body?.profile_page;
    if (page === undefined && files.profile_page) page = files.profile_page[0].buffer.toString('utf8');
    const photo = files.profile_photo?.[0];
    if (typeof username !== 'string' || !username.trim() || username.length > MAX_USERNAME) {
      throw new BadRequestException({ message: 'username is required' });
    }
    if (typeof page !== 'string') throw new BadRequestException({ message: 'profile_page is required' });
    if (page.length > MAX_PAGE) throw new PayloadTooLargeException({ message: 'profile_page is too large' });
    if (!photo) throw new BadRequestException({ message: 'profile_photo is required' });
    if (!photo.buffer.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
      throw new BadRequestException({ message: 'profile_photo must be a PNG image' });
    }
    if (!(await this.appService.addProfile(username, page, photo.buffer))) {
      throw new ForbiddenException({ message: 'Profile already exists, creation forbidden' });
    }
    return { message: 'Profile created' };
  }

  @Get('profile/:username')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', "script-src 'none'; object-src 'none'")
  async profile(@Param('username') username: string): Promise<string> {
    const page = await this.appService.page(username);
    if (page === null) throw new NotFoundException({ message: 'Profile not found' });
    return page;
  }

  @Get('profile-photo/:username')
  @Header('X-Content-Type-Options', 'nosniff')
  async photo(@Param('username') username: string): Promise<StreamableFile> {
    const photo = await this.appService.photo(username);
    if (photo === null) throw new NotFoundException({ message: 'Profile photo not found' });
    return new StreamableFile(photo, { type: 'image/png' });
  }
}
