import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DatabaseError, FailedMessageNotFoundError, InvalidConfigError } from '../../errors.js';
import {
  newFailedMessage,
  type FailedMessage,
  type FailedMessageFilter,
  type FailedMessagePatch,
  type FailedMessageStore,
  type NewFailedMessage,
} from './failed-message.js';

/** Options of {@link NdjsonFailedMessageStore}. */
export interface NdjsonFailedMessageStoreOptions {
  /** The spool file; created with its directory when missing. */
  readonly path: string;
}

type Entry =
  | { readonly op: 'add'; readonly message: Serialized }
  | { readonly op: 'update'; readonly failureId: string; readonly message: Serialized }
  | { readonly op: 'delete'; readonly failureId: string };

type Serialized = Omit<FailedMessage, 'payload' | 'failedAt' | 'updatedAt'> & {
  readonly payload: string | null;
  readonly failedAt: string;
  readonly updatedAt: string;
};

/**
 * Failed messages in an append-only NDJSON file, for services with no database. Every
 * change is one line, written and fsynced before the call resolves, so an acknowledged
 * failure survives a crash; a torn last line (a crash mid-write) is ignored on load.
 * `compact()` rewrites the file with only the live messages. One process per file.
 */
export class NdjsonFailedMessageStore implements FailedMessageStore {
  private readonly path: string;
  private messages: Map<string, FailedMessage> | undefined;
  private file: FileHandle | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** The file ends in a torn line: the next append starts a fresh one. */
  private tornTail = false;

  constructor(options: NdjsonFailedMessageStoreOptions) {
    if (typeof options?.path !== 'string' || options.path === '') throw new InvalidConfigError('path', 'is required');
    this.path = options.path;
  }

  add(entry: NewFailedMessage): Promise<FailedMessage> {
    return this.serial(async (messages) => {
      const message = newFailedMessage(entry);
      await this.append({ op: 'add', message: serialize(message) });
      messages.set(message.failureId, message);
      return message;
    });
  }

  list(filter: FailedMessageFilter = {}): Promise<FailedMessage[]> {
    return this.serial(async (messages) => {
      const status = filter.status ?? 'failed';
      return [...messages.values()]
        .filter(
          (m) =>
            (status === 'all' || m.status === status) &&
            (filter.topic === undefined || m.topic === filter.topic) &&
            (filter.origin === undefined || m.origin === filter.origin),
        )
        .slice(0, Math.max(1, filter.limit ?? 100));
    });
  }

  get(failureId: string): Promise<FailedMessage | undefined> {
    return this.serial(async (messages) => messages.get(failureId));
  }

  update(failureId: string, patch: FailedMessagePatch): Promise<FailedMessage> {
    return this.serial(async (messages) => {
      const current = messages.get(failureId);
      if (!current) throw new FailedMessageNotFoundError(failureId);
      const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const message: FailedMessage = { ...current, ...defined, updatedAt: new Date() };
      await this.append({ op: 'update', failureId, message: serialize(message) });
      messages.set(failureId, message);
      return message;
    });
  }

  delete(failureId: string): Promise<boolean> {
    return this.serial(async (messages) => {
      if (!messages.has(failureId)) return false;
      await this.append({ op: 'delete', failureId });
      messages.delete(failureId);
      return true;
    });
  }

  /** Rewrites the file with the live messages only (atomically: temp file, fsync, rename). */
  compact(): Promise<void> {
    return this.serial(async (messages) => {
      await this.file?.close();
      this.file = undefined;
      const temp = `${this.path}.compact-${process.pid}`;
      const out = await open(temp, 'w');
      try {
        for (const message of messages.values())
          await out.write(`${JSON.stringify({ op: 'add', message: serialize(message) })}\n`);
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(temp, this.path);
    });
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.serial(async () => {
      await this.file?.close();
      this.file = undefined;
    });
  }

  // One operation at a time: appends stay whole lines in call order.
  private serial<T>(fn: (messages: Map<string, FailedMessage>) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => fn(await this.load()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<Map<string, FailedMessage>> {
    if (this.messages) return this.messages;
    const messages = new Map<string, FailedMessage>();
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw spoolError('read', error);
    }
    this.tornTail = text.length > 0 && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let entry: Entry;
      try {
        entry = JSON.parse(line) as Entry;
      } catch {
        continue; // a line torn by a crash mid-append: it was never acknowledged
      }
      if (entry.op === 'delete') messages.delete(entry.failureId);
      else messages.set(entry.message.failureId, deserialize(entry.message));
    }
    this.messages = messages;
    return messages;
  }

  private async append(entry: Entry): Promise<void> {
    try {
      if (!this.file) {
        await mkdir(dirname(this.path), { recursive: true });
        this.file = await open(this.path, 'a');
      }
      await this.file.write(`${this.tornTail ? '\n' : ''}${JSON.stringify(entry)}\n`);
      this.tornTail = false;
      await this.file.sync();
    } catch (error) {
      // Part of the line may have been written: the next append starts a fresh line.
      this.tornTail = true;
      throw spoolError('write', error);
    }
  }
}

function spoolError(what: string, error: unknown): DatabaseError {
  return new DatabaseError(`Cannot ${what} the failed-message spool: ${(error as Error).message}`, { cause: error });
}

function serialize(m: FailedMessage): Serialized {
  return {
    ...m,
    payload: m.payload === null ? null : m.payload.toString('base64'),
    failedAt: m.failedAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

function deserialize(s: Serialized): FailedMessage {
  return {
    ...s,
    payload: s.payload === null ? null : Buffer.from(s.payload, 'base64'),
    failedAt: new Date(s.failedAt),
    updatedAt: new Date(s.updatedAt),
  };
}
