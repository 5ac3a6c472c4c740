// Used by cli.test.ts: starts a cluster, uses it, closes everything and then simply
// returns. If any handle stayed open, this process would never exit.
import { startMockCluster } from '../mock-cluster.js';
import { connectProducer } from './clients.js';

const cluster = startMockCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] });
const producer = await connectProducer(cluster.bootstrapServers);
const report = await producer.send('t', 'k', 'v');
await producer.close();
cluster.close();
console.log(`delivered at offset ${report.offset}`);
