/**
 * One MobileNetV2 benchmark configuration in its own process: the wasm heap only ever grows, so
 * each configuration's peak memory is only its own in a fresh process, and a configuration that
 * exhausts the 4 GiB heap cannot take the others down with it.
 * Usage: node dist/bench/mobilenet-v2-child.js MODE BATCH BATCHES_PER_EPOCH; prints one JSON line.
 */
import { selectBackend } from '../backend/select-backend.js';
import { measureMobileNetV2, type MobileNetMode } from './mobilenet-v2-rows.js';

const [mode, batchSize, batches] = process.argv.slice(2);
const row = await measureMobileNetV2(
  await selectBackend('wasm'),
  mode as MobileNetMode,
  Number(batchSize),
  Number(batches),
);
console.log(JSON.stringify(row));
