import { defineConfig } from 'vitest/config';

// `source` makes workspace packages resolve to their TypeScript sources, so tests
// never run against a stale `dist/`.
export default defineConfig({
  resolve: { conditions: ['source'] },
  // Tests run in Vite's server-side environment, which has its own resolve settings.
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    // Integration hooks close real clients and mock brokers; under load that takes a while.
    hookTimeout: 90_000,
    reporters: ['default'],
  },
});
