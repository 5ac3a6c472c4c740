/**
 * The broker side of the backlog bench, in a process of its own: a kafka-mock cluster
 * holding the backlog, written with raw node-rdkafka. The consumer's process then
 * grows by what the consumer takes, not by the cluster serving fetches (librdkafka's
 * mock brokers build every Fetch response in the heap of the process they run in).
 * Run by `fork` from backlog.bench.ts; talks to it over the IPC channel.
 */
import { startMockCluster } from '@ordo/kafka-mock';
import Kafka from 'node-rdkafka';

/** What the bench asks the cluster process for. */
export interface BacklogClusterRequest {
  readonly topic: string;
  readonly partitions: number;
  readonly records: number;
  readonly keys: number;
}

/** What the cluster process answers once the backlog is written. */
export interface BacklogClusterReady {
  readonly bootstrapServers: string;
  readonly produceMs: number;
}

/** A record's value: a JSON object of about 50 bytes. */
export const backlogValue = (i: number, keys: number) => ({ id: `account-${i % keys}`, seq: i, balance: i * 3 });

/**
 * Writes the backlog with raw node-rdkafka and only the `ordo-type` header (no id
 * header: the consumer derives ids from positions), so that records stay small.
 */
export async function produceBacklog(servers: string, request: BacklogClusterRequest): Promise<void> {
  const { topic, records, keys } = request;
  const producer = new Kafka.Producer(
    { 'bootstrap.servers': servers, dr_cb: true, 'enable.idempotence': true, 'linger.ms': 5 },
    { 'request.required.acks': -1, partitioner: 'murmur2_random' },
  );
  await new Promise<void>((resolve, reject) => producer.connect({}, (e) => (e ? reject(e) : resolve())));
  let delivered = 0;
  const done = new Promise<void>((resolve) =>
    producer.on('delivery-report', () => {
      if (++delivered === records) resolve();
    }),
  );
  producer.setPollInterval(1);
  const headers: Kafka.MessageHeader[] = [{ 'ordo-type': 'balance-changed' }];
  for (let i = 0; i < records; i++) {
    for (;;) {
      try {
        producer.produce(
          topic,
          null,
          Buffer.from(JSON.stringify(backlogValue(i, keys))),
          `account-${i % keys}`,
          Date.now(),
          null,
          headers,
        );
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 1)); // queue full: let deliveries drain
      }
    }
  }
  await done;
  producer.setPollInterval(0);
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
}

/** Serves one bench run: starts the cluster, writes the backlog, runs until the bench disconnects. */
async function serve(request: BacklogClusterRequest): Promise<void> {
  const cluster = startMockCluster({ brokers: 3 });
  cluster.createTopic(request.topic, request.partitions);
  const started = performance.now();
  await produceBacklog(cluster.bootstrapServers, request);
  const ready: BacklogClusterReady = {
    bootstrapServers: cluster.bootstrapServers,
    produceMs: performance.now() - started,
  };
  process.send!(ready);
  // Keep the event loop alive while the cluster serves; librdkafka's threads do not.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  process.once('disconnect', () => {
    clearInterval(keepAlive);
    cluster.close();
  });
}

/** The argument that makes this module serve (it is imported by the bench as well). */
export const CLUSTER_PROCESS_FLAG = '--backlog-cluster';

if (process.argv.includes(CLUSTER_PROCESS_FLAG)) {
  process.once('message', (request: BacklogClusterRequest) => void serve(request));
}
