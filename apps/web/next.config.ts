import type { NextConfig } from 'next';

const development = process.env.NODE_ENV !== 'production';
// The API's graphql-ws endpoint, when live updates are wanted (see src/lib/urql-client.ts).
const liveSocket = process.env.NEXT_PUBLIC_GRAPHQL_WS_URL
  ? new URL(process.env.NEXT_PUBLIC_GRAPHQL_WS_URL).origin
  : '';

// Next injects inline bootstrap scripts, so script-src needs 'unsafe-inline' without nonces;
// everything else is locked to this origin (the API is reached through the same-origin proxy).
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${development ? " 'unsafe-eval'" : ''}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  `connect-src 'self'${liveSocket ? ` ${liveSocket}` : ''}${development ? ' ws: wss:' : ''}`,
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // /graphql and /artifacts/* are forwarded to API_URL by route handlers (src/app/graphql,
  // src/app/artifacts), read at request time: rewrites would freeze API_URL at build time.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'Content-Security-Policy', value: contentSecurityPolicy },
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
          { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()' },
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          // Browsers ignore HSTS over plain http, so `next start` on localhost is unaffected.
          ...(development
            ? []
            : [{ key: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' }]),
        ],
      },
    ];
  },
};

export default nextConfig;
