import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FaultLog } from '../log/fault-log.js';
import { CHILD_CONFIG_ENV } from './child-config.js';

const WORKSPACE = fileURLToPath(new URL('../../../', import.meta.url));

/** One running incarnation of a child process. */
export interface ChildHandle {
  readonly proc: string;
  /** Resolves when the process has exited, with its signal or code. */
  readonly exited: Promise<string>;
  /** Resolves when the child says it has started (its client is up), or when it exits. */
  readonly ready: Promise<void>;
  /** Whether it is still running. */
  readonly alive: boolean;
  /** SIGKILL now; logged as `killed` first so the checker knows when it died. */
  kill(): Promise<void>;
  /** SIGTERM (graceful stop), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a child script of the suite with tsx and the `source` condition (workspace
 * packages from their TypeScript sources, as the tests run them), its config in
 * ORDO_FAULT_CHILD and its stderr in `<log>.stderr`.
 */
export function startChild(options: {
  readonly script: 'consumer-child.ts' | 'relay-child.ts';
  readonly proc: string;
  readonly config: object;
  readonly stderrFile: string;
  readonly runnerLog: FaultLog;
}): ChildHandle {
  const script = fileURLToPath(new URL(`./${options.script}`, import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', script], {
    cwd: WORKSPACE,
    env: { ...process.env, [CHILD_CONFIG_ENV]: JSON.stringify(options.config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<void>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve());
    child.once('exit', () => resolve());
  });
  const stderr = createWriteStream(options.stderrFile, { flags: 'a' });
  const stderrDone = new Promise<void>((resolve) => stderr.once('close', () => resolve()));
  child.stderr!.pipe(stderr);
  let alive = true;
  let killedByUs = false;
  let requested = false;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false;
      const status = signal ?? `exit ${code}`;
      if (killedByUs) return resolve(status);
      void stderrDone.then(() => {
        const lines = readFileSync(options.stderrFile, 'utf8').trim().split('\n');
        const cause =
          lines.find((l) => /\w*Error: /.test(l)) ?? lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? '';
        const detail = cause.trim().slice(0, 400);
        options.runnerLog.write({ kind: 'exited', victim: options.proc, status, requested, detail });
        resolve(status);
      });
    }),
  );
  return {
    proc: options.proc,
    exited,
    ready,
    get alive() {
      return alive;
    },
    async kill() {
      if (!alive) return;
      killedByUs = true;
      options.runnerLog.write({ kind: 'killed', victim: options.proc });
      child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 15_000) {
      if (!alive) return;
      requested = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => void this.kill(), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
