import { defineConfig } from 'vitest/config'

// vitest reads no settings from package.json, hence this file.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts (or installs) MariaDB and Redis when they do not answer: see test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
    teardownTimeout: 15_000
  }
})
