// Checks the deployment files without a Docker engine: every Dockerfile lints clean, every COPY
// source exists in the `turbo prune --docker` output it copies from, every command a container
// runs exists in its package, every compose variable is documented, and ports and health-check
// URLs agree with the code.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';

const dockerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(dockerDir, '..');
const read = (relative) => readFileSync(path.join(repoRoot, relative), 'utf8');

const images = {
  'api.Dockerfile': { workspace: '@finetrack/api', port: 4000 },
  'web.Dockerfile': { workspace: '@finetrack/web', port: 3000 },
  'worker.Dockerfile': { workspace: '@finetrack/trainer' },
  'worker-gpu.Dockerfile': { workspace: '@finetrack/trainer' },
};

/** Instructions of the last stage (the image that runs). */
function finalStage(dockerfile) {
  const instructions = dockerfile.getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  return instructions.slice(lastFrom);
}

function argumentsOf(instruction) {
  return instruction.getArguments().map((argument) => argument.getValue());
}

/** The JSON-array form of CMD/HEALTHCHECK CMD, or the words of a `sh -c` string. */
function commandWords(text) {
  const json = text.slice(text.indexOf('['));
  const words = JSON.parse(json);
  if (words[0] === 'sh' && words[1] === '-c') return words[2].replace(/^exec /, '').split(/\s+/);
  return words;
}

const pruned = new Map();
function prune(workspace) {
  if (!pruned.has(workspace)) {
    const out = mkdtempSync(path.join(os.tmpdir(), 'finetrack-prune-'));
    execFileSync(
      path.join(repoRoot, 'node_modules/.bin/turbo'),
      ['prune', workspace, '--docker', '--out-dir', out],
      { cwd: repoRoot, stdio: 'pipe', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
    );
    pruned.set(workspace, out);
  }
  return pruned.get(workspace);
}

/** Maps a built path (…/dist/x.js) back to its TypeScript source, which is what prune copies. */
function sourceOf(builtPath) {
  return builtPath.replace('/dist/', '/src/').replace(/\.js$/, '.ts');
}

after(() => {
  for (const out of pruned.values()) rmSync(out, { recursive: true, force: true });
});

describe('Dockerfiles', () => {
  for (const [file, image] of Object.entries(images)) {
    describe(file, () => {
      const text = readFileSync(path.join(dockerDir, file), 'utf8');
      const dockerfile = DockerfileParser.parse(text);

      it('lints clean', () => {
        assert.deepEqual(
          validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`),
          [],
        );
      });

      it('runs as a non-root user with a health check', () => {
        const stage = finalStage(dockerfile);
        const user = stage.filter((i) => i.getKeyword() === 'USER').map((i) => argumentsOf(i)[0]);
        assert.ok(user.length > 0, 'the final stage sets USER');
        assert.ok(!['root', '0'].includes(user.at(-1)), `USER ${user.at(-1)} is not root`);
        assert.ok(
          stage.some((i) => i.getKeyword() === 'HEALTHCHECK'),
          'the final stage has a HEALTHCHECK',
        );
      });

      it('prunes its own workspace and copies only what prune wrote', () => {
        const pruneRuns = dockerfile
          .getInstructions()
          .filter((i) => i.getKeyword() === 'RUN' && /turbo prune/.test(i.getTextContent()));
        assert.equal(pruneRuns.length, 1);
        assert.match(
          pruneRuns[0].getTextContent(),
          new RegExp(`turbo prune ${image.workspace} --docker`),
        );
        const out = prune(image.workspace);
        const copies = dockerfile
          .getInstructions()
          .filter((i) => i.getKeyword() === 'COPY' && /--from=prune/.test(i.getTextContent()));
        assert.ok(copies.length >= 2, 'copies the json and full halves of the prune output');
        for (const copy of copies) {
          const source = argumentsOf(copy).find((a) => a.startsWith('/repo/out/'));
          assert.ok(source, `${copy.getTextContent()} copies from /repo/out/`);
          const relative = source.slice('/repo/out/'.length);
          assert.ok(existsSync(path.join(out, relative)), `${relative} exists after turbo prune`);
        }
        assert.ok(existsSync(path.join(out, 'json/package-lock.json')), 'prune keeps the lockfile');
      });

      it('starts a command that exists in the pruned package', () => {
        const cmd = finalStage(dockerfile).find((i) => i.getKeyword() === 'CMD');
        const words = commandWords(cmd.getTextContent());
        const full = path.join(prune(image.workspace), 'full');
        if (words[0] === 'node') {
          const script = words[1];
          const candidate = script.includes('/dist/') ? sourceOf(script) : script;
          assert.ok(
            existsSync(path.join(full, candidate)),
            `${candidate} exists for CMD ${script}`,
          );
        } else {
          assert.match(words[0], /next$/);
          const manifest = JSON.parse(
            readFileSync(path.join(full, 'apps/web/package.json'), 'utf8'),
          );
          assert.ok(manifest.dependencies.next, 'web depends on next');
        }
      });

      if (image.port) {
        it('exposes the port the code listens on by default', () => {
          const exposed = finalStage(dockerfile)
            .filter((i) => i.getKeyword() === 'EXPOSE')
            .flatMap(argumentsOf);
          assert.deepEqual(exposed, [String(image.port)]);
        });
      }
    });
  }

  it('the API health check calls the route the server answers', () => {
    const text = readFileSync(path.join(dockerDir, 'api.Dockerfile'), 'utf8');
    assert.match(text, /\/healthz/);
    assert.match(read('apps/api/src/server.ts'), /['"]\/healthz['"]/);
    assert.match(read('apps/api/src/config.ts'), /'PORT', 4000/);
  });

  it('the worker command is a bin of the trainer package', () => {
    const manifest = JSON.parse(read('packages/trainer/package.json'));
    assert.equal(manifest.bin['finetrack-worker'], './bin/finetrack-worker.js');
    for (const file of ['worker.Dockerfile', 'worker-gpu.Dockerfile'])
      assert.match(
        readFileSync(path.join(dockerDir, file), 'utf8'),
        /packages\/trainer\/bin\/finetrack-worker\.js/,
      );
  });
});

describe('compose.yml', () => {
  let compose;
  let text;
  before(() => {
    text = readFileSync(path.join(dockerDir, 'compose.yml'), 'utf8');
    compose = parse(text);
  });

  it('defines postgres, api, web, worker and a GPU worker behind a profile', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), [
      'api',
      'postgres',
      'web',
      'worker',
      'worker-gpu',
    ]);
    const gpu = compose.services['worker-gpu'];
    assert.deepEqual(gpu.profiles, ['gpu']);
    const devices = gpu.deploy.resources.reservations.devices;
    assert.equal(devices[0].driver, 'nvidia');
    assert.deepEqual(devices[0].capabilities, ['gpu']);
  });

  it('keeps PostgreSQL on a named volume with a health check the API waits for', () => {
    const postgres = compose.services.postgres;
    assert.ok(postgres.healthcheck?.test, 'postgres has a healthcheck');
    const volume = postgres.volumes[0].split(':')[0];
    assert.ok(volume in compose.volumes, `${volume} is a named volume`);
    assert.equal(compose.services.api.depends_on.postgres.condition, 'service_healthy');
    assert.match(compose.services.api.environment.DATABASE_URL, /@postgres:5432\//);
  });

  it('builds each service from its Dockerfile', () => {
    const expected = { api: 'api', web: 'web', worker: 'worker', 'worker-gpu': 'worker-gpu' };
    for (const [service, image] of Object.entries(expected)) {
      assert.equal(compose.services[service].build.dockerfile, `docker/${image}.Dockerfile`);
      assert.ok(existsSync(path.join(dockerDir, `${image}.Dockerfile`)));
    }
  });

  it('lets workers scale: no fixed container name or host port', () => {
    for (const name of ['worker', 'worker-gpu']) {
      assert.equal(compose.services[name].container_name, undefined);
      assert.equal(compose.services[name].ports, undefined);
    }
  });

  it('publishes the ports the images listen on', () => {
    assert.deepEqual(compose.services.api.ports, ['${API_PORT}:4000']);
    assert.deepEqual(compose.services.web.ports, ['${WEB_PORT}:3000']);
    assert.equal(String(compose.services.api.environment.PORT), '4000');
  });

  it('documents every variable it reads in .env.example', () => {
    const used = new Set([...text.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)/g)].map((m) => m[1]));
    const documented = new Set(
      readFileSync(path.join(dockerDir, '.env.example'), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z0-9_]+=/.test(line))
        .map((line) => line.split('=')[0]),
    );
    assert.ok(used.size > 5);
    assert.deepEqual(
      [...used].filter((name) => !documented.has(name)),
      [],
    );
    assert.deepEqual(
      [...documented].filter((name) => !used.has(name)),
      [],
    );
  });

  it('lists no Dockerfile that compose does not build', () => {
    const built = new Set(
      Object.values(compose.services)
        .map((s) => s.build?.dockerfile)
        .filter(Boolean),
    );
    for (const file of readdirSync(dockerDir).filter((f) => f.endsWith('.Dockerfile')))
      assert.ok(built.has(`docker/${file}`), `${file} is built by a service`);
  });
});
