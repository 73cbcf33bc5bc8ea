'use client';

import { useMemo } from 'react';
import { useMutation } from 'urql';
import { CancelRunMutation, RetryRunMutation } from './experiment.graphql';

/** Cancel and retry for members (undefined for viewers), each followed by `refresh`. */
export function useRunActions(writable: boolean, refresh: () => void) {
  const [cancelState, cancelRun] = useMutation(CancelRunMutation);
  const [retryState, retryRun] = useMutation(RetryRunMutation);
  const actions = useMemo(
    () =>
      writable
        ? {
            cancel: (runId: string) => void cancelRun({ id: runId }).then(refresh),
            retry: (runId: string) => void retryRun({ id: runId }).then(refresh),
          }
        : undefined,
    [writable, cancelRun, retryRun, refresh],
  );
  return { actions, error: cancelState.error ?? retryState.error };
}
