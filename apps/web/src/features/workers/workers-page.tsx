'use client';

import Link from 'next/link';
import { useMutation, useQuery } from 'urql';
import { canAdmin } from '../session/roles';
import { useSession } from '../session/session-context';
import { DataTable } from '../ui/data-table';
import { formatAgo, formatDate, formatRate } from '../ui/format';
import { FormError, ListState, Loading } from '../ui/states';
import { ConnectWorker } from './connect-worker';
import { RevokeWorkerMutation, TeamWorkersQuery } from './workers.graphql';

/** The workers that serve the current team; `apiUrl` is the API as worker hosts reach it. */
export function WorkersPage({ apiUrl }: { apiUrl: string }) {
  const { team } = useSession();
  if (!team) return <Loading />;
  return <TeamWorkers teamId={team.id} apiUrl={apiUrl} />;
}

function TeamWorkers({ teamId, apiUrl }: { teamId: string; apiUrl: string }) {
  const [result, reexecute] = useQuery({ query: TeamWorkersQuery, variables: { teamId } });
  const [revokeState, revokeWorker] = useMutation(RevokeWorkerMutation);
  const { roleIn } = useSession();
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  const admin = canAdmin(roleIn(teamId));
  const workers = result.data?.team.workers;
  return (
    <main data-testid="workers">
      <h1>Workers</h1>
      <p className="muted">
        The worker processes that take this team’s queued runs: the team’s own and the instance’s
        (shared by every team). A run goes to whichever of them claims it first.
      </p>
      {admin ? <ConnectWorker teamId={teamId} apiUrl={apiUrl} onConnected={refresh} /> : null}
      <FormError error={revokeState.error} />
      <ListState
        state={result}
        items={workers}
        retry={refresh}
        empty="No worker has connected in the last day: connect one to run the queue."
      >
        {(items) => (
          <DataTable
            columns={[
              'Name',
              'Host',
              'Backend',
              { label: 'Concurrency', className: 'num' },
              'Version',
              'Last heartbeat',
              'Running',
              '',
            ]}
          >
            {items.map((worker) => (
              <tr key={worker.id} data-testid="worker-row">
                <td>
                  {worker.name}
                  {worker.instance ? <span className="muted"> (instance)</span> : null}
                  <br />
                  <span className={worker.online ? 'worker-online' : 'muted'}>
                    {worker.online ? 'online' : 'offline'}
                  </span>
                </td>
                <td>{worker.hostname}</td>
                <td>
                  {worker.backends.join(', ')}
                  <br />
                  <span className="muted">{worker.device}</span>
                </td>
                <td className="num">{worker.concurrency ?? '—'}</td>
                <td>{worker.version ?? '—'}</td>
                <td title={formatDate(worker.lastHeartbeatAt)}>
                  {formatAgo(worker.lastHeartbeatAt)}
                </td>
                <td>
                  {worker.currentRun ? (
                    <Link prefetch={false} href={`/runs/${worker.currentRun.id}`}>
                      {worker.currentRun.kind === 'PRETRAIN'
                        ? 'pretraining'
                        : `frozen ${worker.currentRun.frozenLayers} · lr ${formatRate(worker.currentRun.learningRate)}`}
                    </Link>
                  ) : worker.busy ? (
                    'another team’s run'
                  ) : (
                    'idle'
                  )}
                </td>
                <td>
                  {admin ? (
                    <button
                      type="button"
                      className="danger"
                      onClick={async () => {
                        if (
                          !window.confirm(
                            `Revoke the worker "${worker.name}"? Its token stops working, for every worker that uses it.`,
                          )
                        )
                          return;
                        const revoked = await revokeWorker({ teamId, workerId: worker.id });
                        if (revoked.data) refresh();
                      }}
                    >
                      Revoke
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </ListState>
    </main>
  );
}
