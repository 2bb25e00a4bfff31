// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// SongDownloader scenario: songs are read from /var/songs; a name must be a
// plain file name that resolves to a regular file inside that folder.
import { Injectable } from '@nestjs/common';
import { createReadStream, ReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

const SONGS_DIR = '/var/songs';

// A single file name: no separators, no NUL, not '.' or '..'.
export const isPlainName = (name: string) =>
  name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);

export interface Song {
  stream: ReadStream;
  size: number;
}

@Injectable()
export class AppService {
  /** The song called `name` (a plain name), or null when there is none. */
  async open(name: string): Promise<Song | null> {
    if (!isPlainName(name)) return null;
    try {
      const root = await fs.realpath(SONGS_DIR);
      const real = await fs.realpath(path.join(root, name));
      if (!real.startsWith(`${root}${path.sep}`)) return null;
      const stat = await fs.stat(real);
      if (!stat.isFile()) return null;
      return { stream: createReadStream(real), size: stat.size };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return null;
      throw err;
    }
  }
}
