import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('runs the outbox example: orders and events commit together, a bad event holds its customer until fixed, billing charges once, in order', async () => {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--conditions=source', main], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    timeout: 60_000,
  });
  expect(stdout).toMatch(/quarantined order-placed for alice: .*cents/);
  expect(stdout).toContain('billing skipped a duplicate');
  // The quarantined event holds alice's later one, which is charged only after the fix (O7).
  expect(stdout).toContain('outbox holds alice: 1 later event(s) wait for the quarantined one');
  expect(stdout).toContain('alice was charged in order: o-1, o-3, o-4');
  expect(stdout).toContain('4 orders committed, 4 charged once each, 1 duplicate skipped by the inbox.');
  expect(stdout).toContain('Quarantined events fixed and republished: 1. Outbox rows left: 0.');
}, 90_000);
