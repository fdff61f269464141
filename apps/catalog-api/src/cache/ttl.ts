/** A TTL of `baseMs` plus up to `jitterMs` at random, so entries cached together expire apart. */
export function jitteredTtl(baseMs: number, jitterMs: number, random: () => number = Math.random): number {
  return baseMs + Math.floor(random() * (jitterMs + 1));
}
