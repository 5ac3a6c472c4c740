export { createProducer, type Producer, type ProducerConfig, type PublishResult } from './producer.js';
