import { parseArgs } from 'node:util';
import { KafkaMockError } from './errors.js';
import { startMockCluster, type MockTopic } from './mock-cluster.js';

const USAGE = `Usage: ordo-kafka-mock [--brokers N] [--topic name:partitions]... [--json]

Starts an in-process Kafka cluster (librdkafka's mock brokers, real wire protocol)
on loopback ports, prints its bootstrap servers and runs until SIGINT or SIGTERM.

  --brokers N              number of brokers (default 3)
  --topic name:partitions  create a topic; repeat for more (others: 4 partitions on first use)
  --json                   print one JSON line: {"bootstrapServers": ..., "brokers": ..., "topics": [...]}
  --help                   this text`;

/** Where the CLI writes and what it waits on; the process by default. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the cluster should stop (a signal arrived). */
  stopped(): Promise<string>;
}

/**
 * Runs `ordo-kafka-mock`. Resolves with the exit code: 0 after a clean stop,
 * 2 for bad arguments, 1 when the cluster cannot start.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let topics: MockTopic[];
  let brokers: number;
  let json: boolean;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        brokers: { type: 'string', default: '3' },
        topic: { type: 'string', multiple: true, default: [] },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    brokers = parseCount(values.brokers, '--brokers');
    topics = values.topic.map(parseTopic);
    json = values.json;
  } catch (error) {
    io.err(`ordo-kafka-mock: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }

  let cluster;
  try {
    cluster = startMockCluster({ brokers, topics });
  } catch (error) {
    io.err(`ordo-kafka-mock: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (json) {
    io.out(JSON.stringify({ bootstrapServers: cluster.bootstrapServers, brokers, topics }));
  } else {
    io.out(cluster.bootstrapServers);
    io.err(
      `Mock Kafka cluster: ${brokers} broker(s)${topics.length ? `, topics ${topics.map((t) => `${t.name}:${t.partitions}`).join(' ')}` : ''}. Ctrl-C to stop.`,
    );
  }
  const signal = await io.stopped();
  cluster.close();
  io.err(`Stopped on ${signal}.`);
  return 0;
}

function parseCount(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1)
    throw new KafkaMockError('KAFKA_MOCK_INVALID_ARGUMENT', `${flag} takes a positive integer, got "${text}"`);
  return n;
}

function parseTopic(spec: string): MockTopic {
  const at = spec.lastIndexOf(':');
  if (at <= 0) {
    throw new KafkaMockError('KAFKA_MOCK_INVALID_ARGUMENT', `--topic takes name:partitions, got "${spec}"`);
  }
  return { name: spec.slice(0, at), partitions: parseCount(spec.slice(at + 1), `--topic ${spec}`) };
}
