'use client';

import { useState } from 'react';
import { useMutation } from 'urql';
import { CreateApiTokenMutation } from '../tokens/tokens.graphql';
import { FormError } from '../ui/states';
import { workerCommands } from './worker-commands';

/**
 * "Connect a worker": makes a worker token for the team and shows, once, the commands that start
 * a worker with it on a GPU host.
 */
export function ConnectWorker({
  teamId,
  apiUrl,
  onConnected,
}: {
  teamId: string;
  apiUrl: string;
  onConnected?: () => void;
}) {
  const [state, createToken] = useMutation(CreateApiTokenMutation);
  const [secret, setSecret] = useState<string | null>(null);

  async function connect() {
    const name = `worker ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
    const created = await createToken({ input: { name, teamId, role: 'WORKER' } });
    if (created.data) {
      setSecret(created.data.createApiToken.token);
      onConnected?.();
    }
  }

  const commands = secret ? workerCommands(apiUrl, secret) : null;
  return (
    <section aria-label="Connect a worker">
      <button type="button" onClick={connect} disabled={state.fetching}>
        Connect a worker
      </button>
      <FormError error={state.error} />
      {commands ? (
        <div className="new-token" data-testid="worker-command">
          <p>
            <strong>
              Copy these now: the token in them will not be shown again. Run one on the GPU host.
            </strong>
          </p>
          <p>With Node.js 20:</p>
          <pre className="worker-command" data-testid="worker-command-npx">
            {commands.npx}
          </pre>
          <p>With Docker (the GPU image, from a copy of the repository):</p>
          <pre className="worker-command" data-testid="worker-command-docker">
            {commands.docker}
          </pre>
          <button type="button" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      ) : null}
    </section>
  );
}
