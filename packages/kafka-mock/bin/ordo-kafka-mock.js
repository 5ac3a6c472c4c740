#!/usr/bin/env node
// Runs the built CLI (pnpm build). In the workspace without a build:
//   node --import tsx --conditions=source packages/kafka-mock/src/cli-main.ts
await import('../dist/cli-main.js');
