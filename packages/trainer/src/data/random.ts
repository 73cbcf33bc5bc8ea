/**
 * A small seeded generator (mulberry32). Dataset shuffles must not depend on Math.random or on
 * the TensorFlow.js backend, so the same seed gives the same order on every machine.
 */
export function createRandom(seed: number): () => number {
  // Fold any finite number (negative, fractional) into 32 bits so every seed is usable.
  let state = Math.floor(seed * 1000003) >>> 0;
  state = (state ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle in place with a seeded generator; returns the same array. */
export function shuffleInPlace<T extends { length: number; [index: number]: unknown }>(
  items: T,
  random: () => number,
): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const held = items[i];
    items[i] = items[j];
    items[j] = held;
  }
  return items;
}
