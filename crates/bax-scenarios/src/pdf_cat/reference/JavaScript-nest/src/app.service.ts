// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// PDFCat scenario: merges PDFs with pdfunite. The files are stored under fixed
// names in a private temporary folder (client file names are never used), and
// pdfunite runs from an argument vector with a time limit.
import { Injectable } from '@nestjs/common';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

const MERGE_TIMEOUT_MS = 60000;

/** pdfunite could not merge the files. */
export class MergeFailed extends Error {}

function pdfunite(inputs: string[], output: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('pdfunite', [...inputs, output], { timeout: MERGE_TIMEOUT_MS }, (err) =>
      err ? reject(new MergeFailed(err.message)) : resolve(),
    );
  });
}

@Injectable()
export class AppService {
  /** The PDFs merged in order into one PDF. */
  async concatenate(pdfs: Buffer[]): Promise<Buffer> {
    const workdir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdfcat-'));
    try {
      const inputs: string[] = [];
      for (const [i, pdf] of pdfs.entries()) {
        const input = path.join(workdir, `input_${i}.pdf`);
        await fs.writeFile(input, pdf);
        inputs.push(input);
      }
      const output = path.join(workdir, 'merged-output.pdf');
      await pdfunite(inputs, output);
      return await fs.readFile(output);
    } finally {
      await fs.rm(workdir, { recursive: true, force: true });
    }
  }
}
