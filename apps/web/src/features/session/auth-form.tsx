'use client';

import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { FormError } from '../ui/states';
import { safeReturnTo } from './safe-return';
import { LogInMutation, SignUpMutation } from './session.graphql';

export function AuthForm({ mode }: { mode: 'login' | 'signup' }) {
  const searchParams = useSearchParams();
  const returnTo = safeReturnTo(searchParams.get('returnTo'));
  const [logInState, logIn] = useMutation(LogInMutation);
  const [signUpState, signUp] = useMutation(SignUpMutation);
  const [done, setDone] = useState(false);
  const state = mode === 'login' ? logInState : signUpState;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const result =
      mode === 'login'
        ? await logIn({ input: { email, password } })
        : await signUp({ input: { email, password, name: String(form.get('name') ?? '').trim() } });
    if (!result.error) {
      setDone(true);
      // A full load so every query starts again with the new session cookie.
      window.location.assign(returnTo);
    }
  }

  const title = mode === 'login' ? 'Log in' : 'Sign up';
  return (
    <main className="auth-page">
      <h1>{title}</h1>
      <form onSubmit={submit} className="form" aria-label={title}>
        {mode === 'signup' ? (
          <label>
            Name
            <input name="name" autoComplete="name" required maxLength={200} />
          </label>
        ) : null}
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'signup' ? 8 : undefined}
          />
        </label>
        <FormError error={state.error} />
        <button type="submit" disabled={state.fetching || done}>
          {title}
        </button>
      </form>
      <p>
        {mode === 'login' ? (
          <>
            No account?{' '}
            <Link prefetch={false} href={`/signup?returnTo=${encodeURIComponent(returnTo)}`}>
              Sign up
            </Link>
          </>
        ) : (
          <>
            Have an account?{' '}
            <Link prefetch={false} href={`/login?returnTo=${encodeURIComponent(returnTo)}`}>
              Log in
            </Link>
          </>
        )}
      </p>
    </main>
  );
}
