/**
 * Deterministic demo catalog: product n is the same on every machine and
 * every run, so benchmarks and tests are repeatable.
 */
export const CATEGORIES = [
  ["kitchen", "Kitchen"],
  ["garden", "Garden"],
  ["office", "Office"],
  ["outdoor", "Outdoor"],
  ["toys", "Toys"],
  ["books", "Books"],
  ["audio", "Audio"],
  ["lighting", "Lighting"],
  ["bath", "Bath"],
  ["sports", "Sports"],
  ["tools", "Tools"],
  ["travel", "Travel"],
] as const;

const ADJECTIVES = ["Compact", "Classic", "Rustic", "Modern", "Sturdy", "Gentle", "Bright", "Quiet", "Swift", "Cozy", "Bold", "Handy"];
const MATERIALS = ["Oak", "Steel", "Linen", "Ceramic", "Bamboo", "Copper", "Wool", "Glass", "Leather", "Cotton", "Marble", "Cork"];
const NOUNS = ["Lamp", "Kettle", "Chair", "Backpack", "Speaker", "Notebook", "Planter", "Towel", "Racket", "Drill", "Mug", "Blanket"];
const COLORS = ["black", "white", "red", "green", "blue", "sand"];
const SIZES = ["S", "M", "L", "XL"];

/** mulberry32: a tiny, well-distributed PRNG; seeded per product. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface SeedProduct {
  id: string;
  sku: string;
  name: string;
  description: string;
  categoryId: string;
  priceMinor: number;
  imageUrl: string;
  attributes: Record<string, string>;
  createdAt: Date;
}

const EPOCH = Date.UTC(2026, 0, 1);

export function seedProduct(n: number): SeedProduct {
  const next = random(n * 2_654_435_761);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const number = String(n).padStart(6, "0");
  const name = `${pick(ADJECTIVES)} ${pick(MATERIALS)} ${pick(NOUNS)} ${number}`;
  const category = pick(CATEGORIES);
  return {
    id: `p-${number}`,
    sku: `SKU-${number}`,
    name,
    description: `The ${name.toLowerCase()} from our ${category[1].toLowerCase()} range, built to last.`,
    categoryId: category[0],
    priceMinor: 100 + Math.floor(next() * 49_900),
    imageUrl: `https://images.emporium.dev/products/p-${number}.jpg`,
    attributes: { color: pick(COLORS), size: pick(SIZES) },
    createdAt: new Date(EPOCH + n * 37_000),
  };
}
