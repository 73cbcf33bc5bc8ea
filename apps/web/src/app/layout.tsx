import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { AppHeader } from '@/features/session/app-header';
import { Providers } from '@/features/session/providers';
import 'uplot/dist/uPlot.min.css';
import './globals.css';

export const metadata: Metadata = {
  title: 'Finetrack',
  description: 'Transfer-learning experiment tracker',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <AppHeader />
          <div className="page">{children}</div>
        </Providers>
      </body>
    </html>
  );
}
