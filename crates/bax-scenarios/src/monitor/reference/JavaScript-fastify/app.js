// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Monitor scenario (fastify): lists the processes whose command matches a regex.
// ps runs from an argument vector (no shell) with validated flags, and the
// client's regex runs in a worker thread that is terminated after MATCH_MS.
'use strict';

const { execFile } = require('child_process');
const { Worker } = require('worker_threads');
const fastify = require('fastify');

const MATCH_MS = 2000;
const MAX_FLAGS_LEN = 64;
const MAX_REGEX_LEN = 512;
// ps options: BSD style (aux), UNIX style (-e, -T) or GNU long style (--forest).
const FLAG_TOKEN = /^-{0,2}[A-Za-z]{1,20}$/;

class ClientError extends Error {}

function runPs(flags) {
  const tokens = flags.split(/\s+/).filter(Boolean);
  if (flags.length > MAX_FLAGS_LEN || !tokens.every((t) => FLAG_TOKEN.test(t))) {
    return Promise.reject(new ClientError('Unsupported filter_flags'));
  }
  return new Promise((resolve, reject) => {
    execFile('ps', tokens, { timeout: 10000, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout) => {
      if (err) return reject(err.killed ? new Error('ps took too long') : new ClientError('Unsupported filter_flags'));
      return resolve(stdout);
    });
  });
}

// [pid, command] per process; the command is ps's last column.
function parsePs(output) {
  const lines = output.split('\n').filter((l) => l.trim());
  if (lines.length === 0) return null;
  const header = lines[0].trim().split(/\s+/);
  const pidCol = header.indexOf('PID');
  if (pidCol < 0) return null;
  const procs = [];
  for (const line of lines.slice(1)) {
    const cols = [];
    let rest = line.trim();
    while (cols.length < header.length - 1 && rest) {
      const m = /^(\S+)\s*/.exec(rest);
      cols.push(m[1]);
      rest = rest.slice(m[0].length);
    }
    cols.push(rest);
    if (cols.length === header.length && /^\d+$/.test(cols[pidCol])) procs.push([Number(cols[pidCol]), rest]);
  }
  return procs;
}

// The worker: the indexes of the subjects that the pattern matches in full.
const MATCHER = `
const { workerData, parentPort } = require('worker_threads');
const rx = new RegExp('^(?:' + workerData.pattern + ')$');
parentPort.postMessage(workerData.subjects.flatMap((s, i) => (rx.test(s) ? [i] : [])));
`;

function matchingIndices(pattern, subjects) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(MATCHER, {
      eval: true,
      workerData: { pattern, subjects },
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    });
    const timer = setTimeout(() => {
      worker.terminate();
      reject(new ClientError('The regular expression is too expensive to evaluate'));
    }, MATCH_MS);
    worker.once('message', (hits) => { clearTimeout(timer); resolve(hits); worker.terminate(); });
    worker.once('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

const app = fastify({
  bodyLimit: 64 * 1024,
  ajv: { customOptions: { coerceTypes: false } },
});

app.post('/monitor/commands', {
  schema: {
    body: {
      type: 'object',
      required: ['command_regex'],
      properties: {
        command_regex: { type: 'string', maxLength: MAX_REGEX_LEN },
        filter_flags: { type: ['string', 'null'] },
      },
    },
  },
}, async (request, reply) => {
  const error = (code, message) => reply.code(code).send({ code, message });
  const { command_regex: pattern } = request.body;
  const flags = request.body.filter_flags || '';
  try {
    // Valid on its own (balanced groups), so wrapping it for a full match keeps its meaning.
    new RegExp(pattern); // eslint-disable-line no-new
  } catch (err) {
    return error(400, `Invalid regular expression: ${err.message}`);
  }
  try {
    const procs = parsePs(await runPs(flags));
    if (!procs) return error(400, 'Unsupported filter_flags');
    const hits = await matchingIndices(pattern, procs.map(([, cmd]) => cmd));
    return hits.map((i) => ({ processId: procs[i][0], processString: procs[i][1] }));
  } catch (err) {
    if (err instanceof ClientError) return error(400, err.message);
    throw err;
  }
});

app.setErrorHandler((err, request, reply) => {
  const status = err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status === 500) request.log.error(err);
  reply.code(status).send({ code: status, message: status === 500 ? 'Internal error' : 'Bad request' });
});

app.listen({ port: 5000, host: '0.0.0.0' }).catch((err) => {
  console.error(err);
  process.exit(1);
});
