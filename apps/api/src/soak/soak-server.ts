import 'reflect-metadata';
import { loadConfig } from '../config.js';
import { createServer } from '../server.js';

// The API as a child process of the soak and the fault drills, so the load generator never
// shares an event loop with the server it measures, and a drill can SIGKILL it. Told the database
// by SOAK_DATABASE_URL; PORT (0: any free port) and ARTIFACT_DIR come from the environment.
// Reports its URL over IPC when forked, and always as one `listening <url>` line on stdout.

const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
const server = await createServer({
  ...config,
  host: '127.0.0.1',
  databaseUrl: process.env.SOAK_DATABASE_URL!,
});
const url = await server.listen();

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
};
process.on('message', (message) => {
  if (message === 'stop') void stop();
});
process.on('SIGTERM', () => void stop());
process.stdout.write(`listening ${url}\n`);
process.send?.({ url });
