import { runCli } from './cli.js';

// Keep the event loop alive while the cluster runs; librdkafka's threads do not.
const keepAlive = setInterval(() => undefined, 1 << 30);
// Listen before the cluster starts: a signal right after the servers are printed must stop it cleanly.
const stopped = new Promise<string>((resolve) => {
  process.once('SIGINT', () => resolve('SIGINT'));
  process.once('SIGTERM', () => resolve('SIGTERM'));
});
const code = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stopped: () => stopped,
});
clearInterval(keepAlive);
process.exitCode = code;
