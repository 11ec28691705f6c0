import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Removes the cloud assemblies the synths of this run leave in the temp directory.
    globalSetup: ['test/support/cdk-outdirs.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Handler modules read these at import; integration tests point them at the emulators.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      BUCKET_NAME: 'test-bucket',
      IMAGES_TABLE: 'test-images',
      KEYS_TABLE: 'test-keys',
      COUNTERS_TABLE: 'test-counters',
      LOOKUPS_TABLE: 'test-lookups',
      EXPORTS_TABLE: 'test-exports',
      WEBHOOKS_TABLE: 'test-webhooks',
      WEBHOOK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/test-webhooks',
      // The edge's store as local mode keeps it (a file); unit tests hand the handlers a fake instead.
      IMAGER_EDGE_STORE_FILE: join(tmpdir(), 'imager-test-edge-store.json'),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      // Business metrics (EMF lines on stdout) are off in tests except where a test turns them on to check them.
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  },
});
