/** Where Ordo writes what it has to say. Any object with these methods fits (pino, console). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Writes warnings and errors to the console, drops the rest. The default. */
export const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn: (message, fields) => console.warn(`[ordo] ${message}`, fields ?? ''),
  error: (message, fields) => console.error(`[ordo] ${message}`, fields ?? ''),
};

/** Writes nothing: for tests and benchmarks. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
