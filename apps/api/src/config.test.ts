import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  const sut = loadConfig;

  it('has working defaults', () => {
    expect(sut({})).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      nodeEnv: 'development',
      webOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
    });
    expect(sut({}).finetrackHome).toMatch(/\.finetrack$/);
    expect(sut({})).toMatchObject({
      runLeaseSeconds: 60,
      claimPollSeconds: 2,
      signUpMaxPerAddress: 100,
      signUpWindowSeconds: 3600,
      artifactMaxBytes: 2 * 1024 ** 3,
      demo: true,
      demoEmail: 'demo@finetrack.local',
      demoPassword: undefined,
    });
    expect(sut({}).artifactDir).toMatch(/\.finetrack\/artifacts$/);
    expect(sut({ NODE_ENV: 'test' }).demo).toBe(false);
  });

  it('reads the environment', () => {
    const config = sut({
      PORT: '5000',
      DATABASE_URL: 'postgres://u@h/db',
      WEB_ORIGIN: 'https://app.example/',
      NODE_ENV: 'production',
    });
    expect(config).toMatchObject({
      port: 5000,
      databaseUrl: 'postgres://u@h/db',
      webOrigins: ['https://app.example'],
      nodeEnv: 'production',
    });
  });

  it.each([
    ['PORT', 'http'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['NODE_ENV', 'staging'],
    ['WEB_ORIGIN', 'localhost:3000'],
    ['BODY_LIMIT_BYTES', '-1'],
    ['RUN_LEASE_SECONDS', '1'],
    ['ARTIFACT_MAX_BYTES', '0'],
    ['FINETRACK_DEMO', 'yes'],
    ['FINETRACK_DEMO_EMAIL', 'nobody'],
    ['FINETRACK_DEMO_PASSWORD', 'short'],
    ['TRUST_PROXY', 'the load balancer'],
    ['TRUST_PROXY', '2'],
    ['LOGIN_MAX_FAILURES_PER_ADDRESS', '0'],
  ])('fails at start-up on a bad %s (%s)', (name, value) => {
    expect(() => sut({ [name]: value })).toThrow(ConfigError);
  });

  it('reads TRUST_PROXY as off, on or proxy addresses', () => {
    expect(sut({}).trustProxy).toBe(false);
    expect(sut({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(sut({ TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy).toEqual([
      '10.0.0.0/8',
      'loopback',
    ]);
  });
});
