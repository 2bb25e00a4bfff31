// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// RegexSearch scenario (fastify): lists the files under ./files whose content
// matches a regex. The directory is confined to ./files, large files are
// skipped, and the client's regex runs in a worker thread that is terminated
// after MATCH_MS (a catastrophic pattern cannot hang the server).
'use strict';

const fs = require('fs/promises');
const path = require('path');
const { Worker } = require('worker_threads');
const fastify = require('fastify');

const FILES_ROOT = path.resolve('files');
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 10000;
const MAX_REGEX_CHARS = 1000;
const MATCH_MS = 2000;

class SearchError extends Error {
  constructor(message, status = 400) {
    super(message);
    this.status = status;
  }
}

// The worker: reads each file (bounded) and reports the indexes of those the regex matches.
const MATCHER = `
const fs = require('fs');
const { workerData, parentPort } = require('worker_threads');
const pattern = new RegExp(workerData.regex);
const hits = [];
workerData.paths.forEach((p, i) => {
  let text;
  try {
    const fd = fs.openSync(p, 'r');
    try {
      const buf = Buffer.alloc(workerData.limit);
      const n = fs.readSync(fd, buf, 0, workerData.limit, 0);
      text = buf.subarray(0, n).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    return;
  }
  if (pattern.test(text)) hits.push(i);
});
parentPort.postMessage(hits);
`;

function matchInWorker(regex, paths) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(MATCHER, {
      eval: true,
      workerData: { regex, paths, limit: MAX_FILE_BYTES },
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    });
    const timer = setTimeout(() => {
      worker.terminate();
      reject(new SearchError('the regular expression takes too long to evaluate'));
    }, MATCH_MS);
    worker.once('message', (hits) => { clearTimeout(timer); resolve(hits); worker.terminate(); });
    worker.once('error', () => { clearTimeout(timer); reject(new SearchError('the regular expression could not be evaluated', 500)); });
  });
}

const inside = (p, root) => p === root || p.startsWith(root + path.sep);

async function searchDir(directory) {
  if (path.isAbsolute(directory)) throw new SearchError('the directory must be relative to the files root');
  let target;
  try {
    target = await fs.realpath(path.resolve(FILES_ROOT, directory));
  } catch (err) {
    throw new SearchError('the directory does not exist');
  }
  const root = await fs.realpath(FILES_ROOT).catch(() => FILES_ROOT);
  if (!inside(target, root)) throw new SearchError('the directory is outside the files root');
  const stat = await fs.stat(target);
  if (!stat.isDirectory()) throw new SearchError('the directory does not exist');
  return target;
}

// Regular files (not links) of at most MAX_FILE_BYTES under `start`, as [relative name, path].
async function candidateFiles(start, recursive) {
  const found = [];
  async function walk(dir) {
    const entries = (await fs.readdir(dir, { withFileTypes: true }))
      .sort((x, y) => (x.name < y.name ? -1 : 1));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recursive) await walk(full);
      } else if (entry.isFile()) {
        const { size } = await fs.stat(full);
        if (size > MAX_FILE_BYTES) continue;
        found.push([path.relative(start, full).split(path.sep).join('/'), full]);
        if (found.length > MAX_FILES) throw new SearchError('too many files to search');
      }
    }
  }
  await walk(start);
  return found;
}

const app = fastify();

app.get('/search', {
  schema: {
    querystring: {
      type: 'object',
      required: ['regex'],
      properties: {
        regex: { type: 'string', minLength: 1, maxLength: MAX_REGEX_CHARS },
        directory: { type: 'string', maxLength: 1000, default: '' },
        recursive: { type: 'string', maxLength: 10, default: 'false' },
      },
    },
  },
}, async (request, reply) => {
  const { regex, directory } = request.query;
  try {
    new RegExp(regex); // eslint-disable-line no-new
  } catch (err) {
    return reply.code(400).send({ error: `invalid regular expression: ${err.message}` });
  }
  const recursive = ['true', '1', 'yes'].includes(request.query.recursive.trim().toLowerCase());
  try {
    const start = await searchDir(directory);
    const files = await candidateFiles(start, recursive);
    const hits = await matchInWorker(regex, files.map(([, p]) => p));
    return { files: hits.map((i) => files[i][0]) };
  } catch (err) {
    if (err instanceof SearchError) return reply.code(err.status).send({ error: err.message });
    if (err.code) return reply.code(400).send({ error: 'the directory cannot be searched' });
    throw err;
  }
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
