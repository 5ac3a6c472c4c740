/** Client settings under which kafka-mock rebalances in seconds (the rdkafka tests use the same). */
export const FAST_GROUP = {
  'session.timeout.ms': 6000,
  'heartbeat.interval.ms': 500,
  'max.poll.interval.ms': 10000,
} as const;
