// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ImageTransfer scenario: POST /upload (multipart 'file', in memory,
// size-limited) and GET /images/{imageId}, served inline with its image type,
// nosniff and a sandboxing CSP.
import {
  BadRequestException,
  Controller,
  Get,
  Header,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  StreamableFile,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { AppService, claimedType, sniffImageType } from './app.service';

const MAX_IMAGE_BYTES = 50 * 1024 * 1024;

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('upload')
  @HttpCode(200)
  @UseInterceptors(
    FileInterceptor('file', { limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 10, parts: 11 } }),
  )
  async upload(@UploadedFile() file?: Express.Multer.File): Promise<{ id: string }> {
    if (!file) throw new BadRequestException({ error: "a file must be sent in the 'file' field" });
    if (file.buffer.length === 0) throw new BadRequestException({ error: 'the uploaded file is empty' });
    // Trust the content first; fall back to the client's claim only for image
    // types (served with nosniff and a sandboxing CSP, so never run as a page).
    let mimetype = sniffImageType(file.buffer);
    if (!mimetype) {
      const claim = claimedType(file.mimetype, file.originalname);
      if (!/^image\/[a-z0-9.+-]+$/.test(claim)) {
        throw new BadRequestException({ error: 'the uploaded file is not an image' });
      }
      mimetype = claim;
    }
    return { id: await this.appService.store(file.buffer, mimetype) };
  }

  @Get('images/:imageId')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
  async image(@Param('imageId') imageId: string): Promise<StreamableFile> {
    const image = await this.appService.load(imageId);
    if (!image) throw new NotFoundException({ error: 'image not found' });
    return new StreamableFile(image.data, { type: image.mimetype, disposition: 'inline' });
  }
}
