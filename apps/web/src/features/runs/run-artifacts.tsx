import type { RunQuery } from '@/gql/graphql';
import { Empty } from '../ui/states';
import { formatBytes, formatDate } from '../ui/format';

export type RunArtifact = NonNullable<RunQuery['run']>['artifacts'][number];

/** The run's stored files, each downloadable through the `/artifacts/<id>` proxy. */
export function RunArtifacts({ artifacts }: { artifacts: readonly RunArtifact[] }) {
  return (
    <section aria-label="Artifacts">
      <h2>Artifacts</h2>
      {artifacts.length === 0 ? (
        <Empty>No artifacts stored for this run yet.</Empty>
      ) : (
        <table className="data" data-testid="run-artifacts">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Kind</th>
              <th scope="col">Size</th>
              <th scope="col">SHA-256</th>
              <th scope="col">Stored</th>
              <th scope="col">
                <span className="visually-hidden">Download</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {artifacts.map((artifact) => (
              <tr key={artifact.id} data-testid="artifact-row">
                <td>{artifact.fileName}</td>
                <td>{artifact.kind}</td>
                <td>{formatBytes(artifact.byteSize)}</td>
                <td>
                  <code title={artifact.sha256}>{artifact.sha256.slice(0, 12)}</code>
                </td>
                <td>{formatDate(artifact.createdAt)}</td>
                <td>
                  <a
                    href={`/artifacts/${encodeURIComponent(artifact.id)}`}
                    download={artifact.fileName}
                  >
                    Download
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
