import * as shared from '@finetrack/shared';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { getSchema } from '../src/graphql/schema.js';

/** Every GraphQL document the worker protocol exports (generated typed documents), by export name. */
const documents: [string, string][] = [];
for (const [name, value] of Object.entries(shared) as [string, unknown][]) {
  const text = typeof value === 'string' || value instanceof String ? String(value) : '';
  if (/^\s*(mutation|query|subscription)\s/.test(text)) documents.push([name, text]);
}

describe('worker protocol documents', () => {
  it('are all found', () => {
    expect(documents.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'CLAIM_RUN',
        'HEARTBEAT_RUN',
        'LOG_METRICS',
        'CREATE_ARTIFACT',
        'RECORD_CHECKPOINT',
        'COMPLETE_RUN',
        'FAIL_RUN',
        'RELEASE_RUN',
        'CANCEL_RUN',
        'RETRY_RUN',
        'START_EXPERIMENT',
        'METRICS_APPENDED',
        'RUN_UPDATED',
      ]),
    );
  });

  it.each(documents)('%s validates against the schema', async (_name, document) => {
    expect(validate(await getSchema(), parse(document))).toEqual([]);
  });
});
