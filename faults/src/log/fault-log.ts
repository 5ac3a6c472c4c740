import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultRecord, RecordBody } from './records.js';

/** Now in epoch milliseconds with sub-millisecond precision, comparable across processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * An append-only log of one process incarnation. Each record is one `writeSync` of one
 * line to a file opened with `O_APPEND`, so everything written before a SIGKILL is on
 * disk (the kernel has it) and no line is ever half-written by another process.
 */
export class FaultLog {
  private fd: number | undefined;

  constructor(
    /** The file to append to; created if missing. */
    readonly file: string,
    /** Names the writer in every record, e.g. `consumer-1#2`. */
    readonly proc: string,
  ) {
    this.fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o644);
  }

  /** Appends one record, stamped with this process and the time. */
  write(body: RecordBody): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify({ proc: this.proc, t: now(), ...body })}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Creates the log folder of a run. */
export function ensureLogDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Reads every `*.log` file of a folder. A last line cut short (impossible with one
 * write per line, but cheap to survive) is skipped rather than failing the whole run.
 */
export function readLogs(dir: string): FaultRecord[] {
  const records: FaultRecord[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort()) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        records.push(JSON.parse(line) as FaultRecord);
      } catch {
        // a torn line: ignored
      }
    }
  }
  return records.sort((a, b) => a.t - b.t);
}
