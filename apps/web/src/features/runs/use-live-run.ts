import { useEffect } from 'react';

/** How often a run page asks again while its run is queued or running. */
export const LIVE_RUN_POLL_MS = 2000;

/**
 * Calls `refresh` every LIVE_RUN_POLL_MS while the run can still change. A pretraining run has no
 * experiment, so the experiment's subscription cannot tell this page about it; asking again is
 * what keeps every run page live, and it stops once the run is over.
 */
export function useLiveRun(status: string | undefined, refresh: () => void): void {
  const live = status === 'QUEUED' || status === 'RUNNING';
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(refresh, LIVE_RUN_POLL_MS);
    return () => clearInterval(timer);
  }, [live, refresh]);
}
