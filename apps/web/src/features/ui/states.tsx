import type { ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { errorMessage } from '@/lib/errors';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      {label}
    </p>
  );
}

export function ErrorState({ error, retry }: { error: CombinedError; retry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <p>{errorMessage(error)}</p>
      {retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** Renders the loading, error or empty state of a query, or its children. */
export function QueryState({
  fetching,
  error,
  hasData,
  retry,
  children,
}: {
  fetching: boolean;
  error: CombinedError | undefined;
  hasData: boolean;
  retry?: () => void;
  children: ReactNode;
}) {
  if (error && !hasData) return <ErrorState error={error} retry={retry} />;
  if (!hasData) return fetching ? <Loading /> : null;
  return <>{children}</>;
}
