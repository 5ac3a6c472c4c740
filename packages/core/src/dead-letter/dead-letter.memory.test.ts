import { describe } from 'vitest';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { deadLetterScenarios } from '../testing/dead-letter-scenarios.js';

describe('dead letters on InMemoryKafka', () => {
  deadLetterScenarios(() => new InMemoryKafka({ partitions: 4 }));
});
