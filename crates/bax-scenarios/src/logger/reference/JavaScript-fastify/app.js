// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Logger scenario (fastify): one message per line of logs.txt, with line breaks
// and other control characters written as visible escapes (no log forging).
'use strict';

const fs = require('fs/promises');
const fastify = require('fastify');

const LOG_FILE = 'logs.txt';
const MAX_MESSAGE_LENGTH = 10000;

// Backslashes are doubled so an escape cannot be faked; control characters and
// Unicode line/paragraph separators become \n, \r, \u2028, ... on the same line.
function neutralize(message) {
  return message.replace(/[\\\p{Cc}\p{Zl}\p{Zp}]/gu, (ch) => {
    if (ch === '\\') return '\\\\';
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

const app = fastify({ bodyLimit: 64 * 1024 });

app.post('/log', {
  schema: {
    body: {
      type: 'object',
      required: ['message'],
      properties: { message: { type: 'string', maxLength: MAX_MESSAGE_LENGTH } },
    },
  },
}, async (request) => {
  await fs.appendFile(LOG_FILE, `${neutralize(request.body.message)}\n`, 'utf8');
  return { status: 'logged' };
});

app.get('/logs', async (request, reply) => {
  let text = '';
  try {
    text = await fs.readFile(LOG_FILE, 'utf8');
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  return reply.type('text/plain; charset=utf-8').send(text);
});

app.setErrorHandler((err, request, reply) => {
  const status = err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status === 500) request.log.error(err);
  reply.code(status).send({ error: status === 500 ? 'internal error' : 'bad request' });
});

app.listen({ port: 5000, host: '0.0.0.0' }).catch((err) => {
  console.error(err);
  process.exit(1);
});
