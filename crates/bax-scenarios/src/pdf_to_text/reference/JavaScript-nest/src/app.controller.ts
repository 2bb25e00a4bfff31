// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// PDFToText scenario: POST /convert with the PDF in the multipart 'file' field
// (in memory, size-limited); answers its text as text/plain.
import {
  BadRequestException,
  Controller,
  Header,
  HttpCode,
  InternalServerErrorException,
  Post,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { AppService, ConversionFailed } from './app.service';

const MAX_PDF_BYTES = 5 * 1024 * 1024;
const PDF_MAGIC = Buffer.from('%PDF-');

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Post('convert')
  @HttpCode(200)
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @UseInterceptors(
    FileInterceptor('file', { limits: { fileSize: MAX_PDF_BYTES, files: 1, fields: 10, parts: 11 } }),
  )
  async convert(@UploadedFile() file?: Express.Multer.File): Promise<string> {
    if (!file) throw new BadRequestException({ error: 'Missing file' });
    if (!file.buffer.subarray(0, 5).equals(PDF_MAGIC)) {
      throw new BadRequestException({ error: 'The file is not a PDF' });
    }
    try {
      return await this.appService.toText(file.buffer);
    } catch (err) {
      if (err instanceof ConversionFailed) throw new InternalServerErrorException({ error: err.message });
      throw err;
    }
  }
}
