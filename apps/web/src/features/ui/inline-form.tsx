'use client';

import type { FormEvent, ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { FormError } from './states';

/**
 * The one-line create form of the list pages: its fields, a submit button that is disabled while
 * the mutation runs, and the mutation's error.
 */
export function InlineForm({
  label,
  submitLabel,
  state,
  onSubmit,
  children,
}: {
  /** The form's accessible name. */
  label: string;
  submitLabel: string;
  /** The mutation's state. */
  state: { fetching: boolean; error?: CombinedError };
  onSubmit(): void | Promise<void>;
  children: ReactNode;
}) {
  function submit(event: FormEvent) {
    event.preventDefault();
    void onSubmit();
  }
  return (
    <form className="inline-form" onSubmit={submit} aria-label={label}>
      {children}
      <button type="submit" disabled={state.fetching}>
        {submitLabel}
      </button>
      <FormError error={state.error} />
    </form>
  );
}
