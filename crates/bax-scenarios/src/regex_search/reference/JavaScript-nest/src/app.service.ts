// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// RegexSearch scenario: lists the files under ./files whose content a client's
// regex matches. The directory is confined to the files root, large files are
// skipped, and the regex runs in a worker thread with a memory cap that is
// terminated after MATCH_MS.
import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

const FILES_ROOT = path.resolve(process.cwd(), 'files');
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 10000;
const MATCH_MS = 2000;
const MAX_CONCURRENT_SEARCHES = 4;

// The worker: reads each file (at most `limit` bytes) and reports the indexes
// of those whose content the regex matches.
const MATCHER = `
const fs = require('fs');
const { parentPort, workerData } = require('worker_threads');
const { regex, paths, limit } = workerData;
const pattern = new RegExp(regex);
const hits = [];
const buffer = Buffer.alloc(limit);
paths.forEach((p, i) => {
  let fd;
  try {
    fd = fs.openSync(p, 'r');
    const n = fs.readSync(fd, buffer, 0, limit, 0);
    if (pattern.test(buffer.toString('utf8', 0, n))) hits.push(i);
  } catch (err) {
    // unreadable file: not a match
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
});
parentPort.postMessage(hits);
`;

/** A search that cannot be answered, with the status to answer. */
export class SearchError extends HttpException {
  constructor(message: string, status: number = HttpStatus.BAD_REQUEST) {
    super({ error: message }, status);
  }
}

const inside = (p: string, root: string) => p === root || p.startsWith(root + path.sep);

@Injectable()
export class AppService {
  private running = 0;

  async search(regex: string, directory: string, recursive: boolean): Promise<string[]> {
    const { root, target } = await this.searchDir(directory);
    const files = await this.candidateFiles(root, target, recursive);
    const hits = await this.matchInWorker(
      regex,
      files.map(([, p]) => p),
    );
    return hits.map((i) => files[i][0]);
  }

  private async searchDir(directory: string): Promise<{ root: string; target: string }> {
    if (path.isAbsolute(directory)) throw new SearchError('the directory must be relative to the files root');
    try {
      const root = await fs.realpath(FILES_ROOT);
      const target = await fs.realpath(path.resolve(root, directory));
      if (!inside(target, root)) throw new SearchError('the directory is outside the files root');
      if (!(await fs.stat(target)).isDirectory()) throw new SearchError('the directory does not exist');
      return { root, target };
    } catch (err) {
      if (err instanceof SearchError) throw err;
      throw new SearchError('the directory does not exist');
    }
  }

  // [relative name, path] of the regular files to search, sorted; links out of
  // the files root and files over MAX_FILE_BYTES are left out.
  private async candidateFiles(root: string, start: string, recursive: boolean): Promise<[string, string][]> {
    const found: [string, string][] = [];
    const visit = async (dir: string): Promise<void> => {
      const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      );
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        let real: string;
        let stat: import('node:fs').Stats;
        try {
          real = await fs.realpath(full);
          stat = await fs.stat(real);
        } catch {
          continue;
        }
        if (!inside(real, root)) continue;
        if (stat.isDirectory()) {
          if (recursive && entry.isDirectory()) await visit(full);
        } else if (stat.isFile() && stat.size <= MAX_FILE_BYTES) {
          found.push([path.relative(start, full).split(path.sep).join('/'), real]);
          if (found.length > MAX_FILES) throw new SearchError('too many files to search');
        }
      }
    };
    await visit(start);
    return found;
  }

  private matchInWorker(regex: string, paths: string[]): Promise<number[]> {
    if (paths.length === 0) return Promise.resolve([]);
    if (this.running >= MAX_CONCURRENT_SEARCHES) {
      return Promise.reject(new SearchError('too many searches, try again', HttpStatus.SERVICE_UNAVAILABLE));
    }
    this.running += 1;
    return new Promise((resolve, reject) => {
      const worker = new Worker(MATCHER, {
        eval: true,
        workerData: { regex, paths, limit: MAX_FILE_BYTES },
        resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
      });
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.running -= 1;
        settle();
      };
      const timer = setTimeout(() => {
        void worker.terminate();
        finish(() => reject(new SearchError('the regular expression takes too long to evaluate')));
      }, MATCH_MS);
      const failed = () =>
        finish(() =>
          reject(new SearchError('the regular expression could not be evaluated', HttpStatus.INTERNAL_SERVER_ERROR)),
        );
      worker.on('message', (hits: number[]) => finish(() => resolve(hits)));
      worker.on('error', failed);
      worker.on('exit', failed);
    });
  }
}
