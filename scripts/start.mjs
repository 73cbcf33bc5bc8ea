// `npm start`: runs the built API (which starts an embedded PostgreSQL unless DATABASE_URL is set)
// and forwards SIGINT/SIGTERM so every child shuts down cleanly.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const children = [
  { name: 'api', args: [path.join(root, 'apps/api/dist/index.js')], cwd: root },
].map(({ name, args, cwd }) => {
  const child = spawn(process.execPath, args, { cwd, stdio: 'inherit', env: process.env });
  child.on('exit', (code, signal) => {
    console.error(`[start] ${name} exited (${signal ?? code})`);
    shutdown(code ?? 1);
  });
  return child;
});

let stopping = false;
function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 100).unref();
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
