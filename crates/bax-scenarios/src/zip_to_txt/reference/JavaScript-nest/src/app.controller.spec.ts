// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ZipToTxt scenario: unit tests of the archive reader (node:assert).
import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { AppService, BadArchive } from './app.service';

// A minimal runner on the standard library (the manifest has no test framework):
// `npx ts-node src/app.controller.spec.ts` runs every test and exits non-zero on a failure.
const tests: [string, () => unknown][] = [];
const test = (name: string, fn: () => unknown) => tests.push([name, fn]);

// A stored (uncompressed) zip archive of the given files.
function storedZip(files: [string, string][]): Buffer {
  const locals: Buffer[] = [];
  for (const [name, text] of files) {
    const data = Buffer.from(text);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt32LE(crc32(data), 14);
    header.writeUInt32LE(data.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(name.length, 26);
    locals.push(header, Buffer.from(name), data);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  return Buffer.concat([...locals, end]);
}

function upload(archive: Buffer): Readable {
  return Readable.from([
    Buffer.from('--b\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n'),
    archive,
    Buffer.from('\r\n--b--\r\n'),
  ]);
}

test('text files are joined, other entries skipped', async () => {
  const archive = storedZip([['a.txt', 'one'], ['b.bin', 'x'], ['c.txt', 'two']]);
  assert.equal(await new AppService().convert(upload(archive), 'b', 'file'), 'one\ntwo');
});

test('a file that is not a zip archive is refused', async () => {
  await assert.rejects(new AppService().convert(upload(Buffer.from('not a zip')), 'b', 'file'), BadArchive);
});

void (async () => {
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`ok - ${name}`);
    } catch (err) {
      process.exitCode = 1;
      console.log(`not ok - ${name}\n${String(err)}`);
    }
  }
})();
