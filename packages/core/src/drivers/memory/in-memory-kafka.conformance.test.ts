import { describeDriverConformance } from '../../testing/index.js';
import { InMemoryKafka } from './in-memory-kafka.js';

describeDriverConformance('InMemoryKafka', () => new InMemoryKafka({ partitions: 4 }), {
  crash: (kafka, consumer) => (kafka as InMemoryKafka).crash(consumer),
  consumerOverrides: { commitIntervalMs: 20 },
});
