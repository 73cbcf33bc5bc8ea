'use client';

import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { DataTable } from '../ui/data-table';
import { InlineForm } from '../ui/inline-form';
import { FormError, ListState } from '../ui/states';
import { formatDate } from '../ui/format';
import { ApiTokensQuery, CreateApiTokenMutation, RevokeApiTokenMutation } from './tokens.graphql';
import { NameField } from '../ui/name-field';

export function TokensPage() {
  const [result, reexecute] = useQuery({ query: ApiTokensQuery });
  const [createState, createToken] = useMutation(CreateApiTokenMutation);
  const [revokeState, revokeToken] = useMutation(RevokeApiTokenMutation);
  const [name, setName] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  const tokens = result.data?.apiTokens.nodes;

  async function submit() {
    const created = await createToken({ input: { name: name.trim() } });
    if (created.data) {
      setSecret(created.data.createApiToken.token);
      setCopied(false);
      setName('');
      refresh();
    }
  }

  return (
    <main>
      <h1>API tokens</h1>
      <p className="muted">
        Scripts send a token as <code>Authorization: Bearer &lt;token&gt;</code>. It acts with your
        roles.
      </p>
      <InlineForm
        label="New API token"
        submitLabel="Create token"
        state={createState}
        onSubmit={submit}
      >
        <NameField label="Token name" name="tokenName" value={name} onChange={setName} />
      </InlineForm>
      {secret ? (
        <section aria-label="New token" className="new-token">
          <p>
            <strong>Copy this token now: it will not be shown again.</strong>
          </p>
          <p className="token-secret" data-testid="token-secret">
            {secret}
          </p>
          <button
            type="button"
            onClick={async () => {
              try {
                await navigator.clipboard.writeText(secret);
                setCopied(true);
              } catch {
                setCopied(false);
              }
            }}
          >
            {copied ? 'Copied' : 'Copy token'}
          </button>{' '}
          <button type="button" onClick={() => setSecret(null)}>
            Done
          </button>
        </section>
      ) : null}
      <FormError error={revokeState.error} />
      <ListState state={result} items={tokens} retry={refresh} empty="No tokens yet.">
        {(items) => (
          <DataTable columns={['Name', 'Prefix', 'Created', 'Last used', 'Expires', 'State']}>
            {items.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>
                  <code>{token.prefix}…</code>
                </td>
                <td>{formatDate(token.createdAt)}</td>
                <td>{formatDate(token.lastUsedAt)}</td>
                <td>{formatDate(token.expiresAt)}</td>
                <td>
                  {token.revokedAt ? (
                    `revoked ${formatDate(token.revokedAt)}`
                  ) : (
                    <button
                      type="button"
                      className="danger"
                      onClick={async () => {
                        if (
                          !window.confirm(
                            `Revoke the token "${token.name}"? Scripts using it stop working.`,
                          )
                        )
                          return;
                        await revokeToken({ id: token.id });
                        refresh();
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </ListState>
    </main>
  );
}
