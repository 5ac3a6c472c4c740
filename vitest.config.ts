import { defineConfig } from 'vitest/config';

// `source` makes workspace packages resolve to their TypeScript sources, so tests
// never run against a stale `dist/`.
export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
