import { Suspense } from 'react';
import { AuthForm } from '@/features/session/auth-form';

export default function LogInPage() {
  return (
    <Suspense>
      <AuthForm mode="login" />
    </Suspense>
  );
}
