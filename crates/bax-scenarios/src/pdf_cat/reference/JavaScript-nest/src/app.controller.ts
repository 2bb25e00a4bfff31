// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// PDFCat scenario: POST /concatenate with the PDFs in the multipart 'files'
// field (in memory, size- and count-limited); answers the merged PDF.
import {
  BadRequestException,
  Controller,
  HttpCode,
  InternalServerErrorException,
  Post,
  StreamableFile,
  UploadedFiles,
  UseInterceptors,
} from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import { AppService, MergeFailed } from './app.service';

const MAX_FILES = 50;
const MAX_PDF_BYTES = 16 * 1024 * 1024;
const PDF_MAGIC = Buffer.from('%PDF-');

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('concatenate')
  @HttpCode(200)
  @UseInterceptors(
    FilesInterceptor('files', MAX_FILES, {
      limits: { fileSize: MAX_PDF_BYTES, files: MAX_FILES, fields: 10, parts: MAX_FILES + 10 },
    }),
  )
  async concatenate(@UploadedFiles() files: Express.Multer.File[] = []): Promise<StreamableFile> {
    if (files.length === 0 || !files.every((f) => f.buffer.subarray(0, 5).equals(PDF_MAGIC))) {
      throw new BadRequestException({ error: 'Invalid input or missing files.' });
    }
    try {
      const merged = await this.appService.concatenate(files.map((f) => f.buffer));
      return new StreamableFile(merged, { type: 'application/pdf' });
    } catch (err) {
      if (err instanceof MergeFailed) {
        throw new InternalServerErrorException({ error: 'An error occurred while processing the files.' });
      }
      throw err;
    }
  }
}
