/**
 * What to paste on a GPU host to start a worker with a new token: the npm package's command,
 * and the GPU image through docker/compose.yml (its variables: FINETRACK_GPU_API_URL,
 * FINETRACK_WORKER_TOKEN, FINETRACK_GPU_COUNT; see docker/README.md).
 */
export function workerCommands(apiUrl: string, token: string): { npx: string; docker: string } {
  return {
    npx: `npx finetrack-worker --api ${apiUrl} --token ${token}`,
    docker:
      `FINETRACK_GPU_API_URL=${apiUrl} FINETRACK_WORKER_TOKEN=${token} FINETRACK_GPU_COUNT=1 ` +
      'docker compose -f docker/compose.yml --profile gpu up -d --no-deps worker-gpu',
  };
}
