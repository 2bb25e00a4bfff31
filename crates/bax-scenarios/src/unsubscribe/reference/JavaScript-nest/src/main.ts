// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Unsubscribe scenario: bootstraps the Nest app on 0.0.0.0:5000. The body is a
// raw email (any media type, read as text) or JSON wrapping one; either is
// limited to 1 MB.
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';

const MAX_BODY = '1mb';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false });
  app.useBodyParser('json', { limit: MAX_BODY });
  // Whatever the JSON parser left (text/plain, message/rfc822, no type...) is read as text.
  app.useBodyParser('text', { limit: MAX_BODY, type: () => true });
  app.enableShutdownHooks();
  await app.listen(5000, '0.0.0.0');
}

void bootstrap();
