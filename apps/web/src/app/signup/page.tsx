import { Suspense } from 'react';
import { AuthForm } from '@/features/session/auth-form';

export default function SignUpPage() {
  return (
    <Suspense>
      <AuthForm mode="signup" />
    </Suspense>
  );
}
