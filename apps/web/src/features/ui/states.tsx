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

/** The error of a form or an action: a GraphQL error or a message. */
export function FormError({ error }: { error: CombinedError | string | undefined }) {
  if (!error) return null;
  return (
    <p role="alert" className="form-error">
      {typeof error === 'string' ? error : errorMessage(error)}
    </p>
  );
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

/** A query's list: its loading and error states, `empty` when it has no items, else `children`. */
export function ListState<T>({
  state,
  items,
  retry,
  empty,
  children,
}: {
  /** The query's state. */
  state: { fetching: boolean; error?: CombinedError };
  items: readonly T[] | undefined;
  retry(): void;
  empty: ReactNode;
  children(items: readonly T[]): ReactNode;
}) {
  return (
    <QueryState fetching={state.fetching} error={state.error} hasData={!!items} retry={retry}>
      {items && items.length === 0 ? <Empty>{empty}</Empty> : items ? children(items) : null}
    </QueryState>
  );
}
