import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('runs the README demo: per-user order kept, users in parallel, one retry', async () => {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--conditions=source', main], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    timeout: 30_000,
  });
  expect(stdout).toContain('Per-user order kept: yes');
  expect(stdout).toMatch(/Retries: 1,/);
  expect(stdout).toMatch(/up to [2-5] at once/);
  expect(stdout).toContain('Committed offsets cover all 20 events.');
});
