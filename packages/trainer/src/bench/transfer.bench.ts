/**
 * Transfer benchmark: the seed's claims measured on real digits and garments.
 *
 * 1. Ranking quality (transfer-ranking.ts): five source models (small-cnn on MNIST 0–4, on MNIST
 *    0–1 and on Fashion-MNIST 0–4, vgg-mini on MNIST 0–4, and an untrained small-cnn as the
 *    control) × three target tasks (MNIST 5–9, Fashion-MNIST 5–9, MNIST {3, 5, 8}): Kendall's τ
 *    between LogME, LEEP and NCE and the accuracy of the same small fine-tuning budget.
 * 2. The claims (transfer-claims.ts) on MNIST 5–9 with a source pretrained on MNIST 0–4: the
 *    gain of the best cell over scratch at 100 samples and the wall-seconds speed-up to scratch's
 *    target at 1,000 samples, over seeds (mean ± std).
 *
 * `npm run bench:transfer -w @finetrack/trainer [-- --json] [-- --quick]`; with --json the last
 * line is one JSON object. Runs on the best backend importable (wasm here), one thread.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/select-backend.js';
import { buildArchitecture } from '../model/architectures.js';
import { seedClaims } from './transfer-claims.js';
import { rankingQuality } from './transfer-ranking.js';
import {
  digits,
  formatMeanStd,
  garments,
  json,
  log,
  mean,
  quick,
  SIZE,
  trainedSource,
  type Source,
} from './transfer-setup.js';

async function main() {
  const backend = await selectBackend();
  tf.engine().startScope();
  log(`Transfer benchmark on ${backend.backend} (${quick ? 'quick' : 'full'} sizes)`);
  const started = performance.now();
  const sources: Source[] = [
    await trainedSource('small-cnn MNIST 0–4', 'small-cnn', digits([0, 1, 2, 3, 4], SIZE.pretrain)),
    await trainedSource('small-cnn MNIST 0–1', 'small-cnn', digits([0, 1], SIZE.pretrain / 2)),
    await trainedSource(
      'small-cnn Fashion 0–4',
      'small-cnn',
      garments([0, 1, 2, 3, 4], SIZE.pretrain),
    ),
    await trainedSource('vgg-mini MNIST 0–4', 'vgg-mini', digits([0, 1, 2, 3, 4], SIZE.pretrain)),
    {
      name: 'small-cnn untrained',
      model: buildArchitecture('small-cnn', { inputShape: [28, 28, 1], numClasses: 5, seed: 11 }),
    },
  ];
  const ranking = await rankingQuality(sources);
  // The claims' source is pretrained as the demo's is: on many more digits than the candidates.
  const claimsSource = await trainedSource(
    'small-cnn MNIST 0–4 (claims)',
    'small-cnn',
    digits([0, 1, 2, 3, 4], SIZE.claimsPretrain),
  );
  const claims = await seedClaims(claimsSource.model);
  const seconds = (performance.now() - started) / 1000;
  const result = {
    backend: backend.backend,
    sizes: quick ? 'quick' : 'full',
    logmeKendallTauMean: mean(ranking.taus.logMe),
    leepKendallTauMean: mean(ranking.taus.leep),
    nceKendallTauMean: mean(ranking.taus.nce),
    logmeKendallTau: ranking.taus.logMe,
    logmePenultimateKendallTauMean: mean(ranking.taus.logMePenultimate),
    rankingBudgets: ranking.budgets,
    kendallTauMeanByBudget: ranking.tauMeansByBudget,
    scoringCostRatio: ranking.scoringCostRatio,
    ...claims,
    seconds,
  };
  const gain = result.gainOverScratchAt100;
  const speedup = result.speedupToTargetAt1000;
  log(
    `\nLogME mean τ ${result.logmeKendallTauMean.toFixed(3)} (goal ≥ 0.6; at the penultimate layer ${result.logmePenultimateKendallTauMean.toFixed(3)}), LEEP ${result.leepKendallTauMean.toFixed(3)}, NCE ${result.nceKendallTauMean.toFixed(3)}; scoring cost ${(100 * result.scoringCostRatio).toFixed(2)} % of fine-tuning (goal ≤ 5 %)`,
  );
  log(
    `gain at 100 samples ${formatMeanStd(gain)} (goal ≥ +0.10); speed-up at 1,000 samples ${speedup ? `${formatMeanStd(speedup, 2)}×` : 'never reached'} (goal ≥ 3×); ${seconds.toFixed(0)} s`,
  );
  tf.engine().endScope();
  if (json) console.log(JSON.stringify(result));
}

await main();
