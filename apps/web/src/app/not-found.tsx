import Link from 'next/link';

export default function NotFound() {
  return (
    <main>
      <h1>Not found</h1>
      <p>
        <Link prefetch={false} href="/projects">
          Back to projects
        </Link>
      </p>
    </main>
  );
}
