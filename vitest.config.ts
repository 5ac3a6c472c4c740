import { defineConfig } from 'vitest/config';

/**
 * Vite's own TypeScript transform emits no decorator metadata (`design:paramtypes`).
 * @ordo/tsyringe must also work for applications compiled by tsc with
 * `emitDecoratorMetadata`, so its `*.metadata.ts` and `*.metadata.test.ts` files are
 * compiled by TypeScript itself, as such an application's would be.
 */
const decoratorMetadata = {
  name: 'ordo:decorator-metadata',
  enforce: 'pre' as const,
  async transform(code: string, id: string) {
    const file = id.split('?')[0]!;
    if (!/\/packages\/tsyringe\/src\/.+\.metadata(\.test)?\.ts$/.test(file)) return null;
    const { default: ts } = await import('typescript');
    const output = ts.transpileModule(code, {
      fileName: file,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        sourceMap: true,
      },
    });
    return { code: output.outputText, map: output.sourceMapText };
  },
};

// `source` makes workspace packages resolve to their TypeScript sources, so tests
// never run against a stale `dist/`.
export default defineConfig({
  plugins: [decoratorMetadata],
  resolve: { conditions: ['source'] },
  // Tests run in Vite's server-side environment, which has its own resolve settings.
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'faults/src/**/*.test.ts'],
    testTimeout: 30_000,
    // Integration hooks close real clients and mock brokers; under load that takes a while.
    hookTimeout: 90_000,
    reporters: ['default'],
  },
});
