import type { QueueWaitReason } from '@/gql/graphql';

export interface QueueStateView {
  position?: number | null;
  reason: QueueWaitReason;
  message: string;
}

const SHORT: Record<QueueWaitReason, string> = {
  WAITING_FOR_TURN: 'in line',
  NO_WORKER_CONNECTED: 'no worker online',
  NO_CAPABLE_WORKER: 'no worker takes it',
  WAITING_FOR_SOURCE_MODEL: 'waits for its source model',
};

/** A queued run's wait in a few words: "#2 in line", "no worker online"… (the API's message is the tooltip). */
export function queueStateLabel(state: QueueStateView): string {
  if (state.reason === 'WAITING_FOR_TURN' && state.position) return `#${state.position} in line`;
  return SHORT[state.reason];
}
