'use client';

import { useState, type ReactNode } from 'react';
import { Client, Provider } from 'urql';
import { createUrqlClient } from '@/lib/urql-client';
import { SessionProvider } from './session-context';

// On the server nothing is fetched (the session cookie lives in the browser): pages render
// their loading state there, and the browser client takes over after hydration.
const serverClient = new Client({ url: '/graphql', exchanges: [] });

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(() =>
    typeof window === 'undefined' ? serverClient : createUrqlClient(),
  );
  return (
    <Provider value={client}>
      <SessionProvider>{children}</SessionProvider>
    </Provider>
  );
}
