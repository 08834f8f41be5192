import { hashSeed } from '../core/rng.js';

/**
 * The demo shop's catalogue: products 1..5000, computed from their id (nothing to load, the
 * same on every run). The category of product `id` is CATEGORIES[(id - 1) % 6], as in the
 * sample log's generator, so that a replayed "list then detail" walk stays in one category.
 */
export const PRODUCT_COUNT = 5000;
export const CATEGORIES = ['shoes', 'shirts', 'electronics', 'toys', 'books', 'sale'] as const;
export const PAGE_SIZE = 20;

export interface ProductSummary {
  id: number;
  name: string;
  category: string;
  priceCents: number;
}

export interface Product extends ProductSummary {
  description: string;
  stock: number;
  rating: number;
}

const ADJECTIVES = ['Classic', 'Urban', 'Trail', 'Compact', 'Deluxe', 'Eco', 'Retro', 'Smart', 'Cozy', 'Pro', 'Mini', 'Bold'];
const NOUNS: Record<string, string[]> = {
  shoes: ['Runner', 'Sneaker', 'Boot', 'Loafer', 'Sandal'],
  shirts: ['Tee', 'Oxford', 'Polo', 'Henley', 'Flannel'],
  electronics: ['Headphones', 'Speaker', 'Charger', 'Keyboard', 'Camera'],
  toys: ['Puzzle', 'Robot', 'Kite', 'Blocks', 'Plush'],
  books: ['Novel', 'Cookbook', 'Atlas', 'Guide', 'Anthology'],
  sale: ['Bundle', 'Gift Set', 'Sampler', 'Pack', 'Box'],
};
const LOREM =
  'Made to last and easy to love. Tested by our team for a season before it reached the shop. ' +
  'Ships in recycled packaging; free returns within thirty days. ';

export function isProductId(id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= PRODUCT_COUNT;
}

export function categoryOf(id: number): string {
  return CATEGORIES[(id - 1) % CATEGORIES.length] as string;
}

export function productSummary(id: number): ProductSummary {
  const h = hashSeed(`product:${id}`);
  const category = categoryOf(id);
  const nouns = NOUNS[category] as string[];
  return {
    id,
    name: `${ADJECTIVES[h % ADJECTIVES.length]} ${nouns[(h >>> 8) % nouns.length]} ${id}`,
    category,
    priceCents: 499 + ((h >>> 12) % 19_500),
  };
}

export function product(id: number): Product {
  const h = hashSeed(`detail:${id}`);
  // Descriptions of 1-8 paragraphs give detail responses of about 1-2.7 KB, as in the sample.
  const paragraphs = 1 + (h % 8);
  return {
    ...productSummary(id),
    description: LOREM.repeat(paragraphs).trim(),
    stock: (h >>> 4) % 250,
    rating: 30 + ((h >>> 12) % 21),
  };
}

/** Products of a category (all categories when undefined), one page of PAGE_SIZE. */
export function listProducts(category: string | undefined, page: number): { total: number; items: ProductSummary[] } {
  const perCategory = Math.ceil(PRODUCT_COUNT / CATEGORIES.length);
  if (category === undefined) {
    const first = (page - 1) * PAGE_SIZE + 1;
    const items: ProductSummary[] = [];
    for (let id = first; id < first + PAGE_SIZE && id <= PRODUCT_COUNT; id++) items.push(productSummary(id));
    return { total: PRODUCT_COUNT, items };
  }
  const c = (CATEGORIES as readonly string[]).indexOf(category);
  if (c < 0) return { total: 0, items: [] };
  const items: ProductSummary[] = [];
  let total = 0;
  for (let k = 0; k < perCategory; k++) {
    const id = c + 1 + k * CATEGORIES.length;
    if (id > PRODUCT_COUNT) break;
    total++;
    if (total > (page - 1) * PAGE_SIZE && items.length < PAGE_SIZE) items.push(productSummary(id));
  }
  return { total, items };
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);

/** The home page: a small HTML page with featured products. */
export function homePage(): string {
  const featured = [17, 42, 256, 1024, 2048, 3001, 4096, 4999].map(productSummary);
  const cards = featured
    .map((p) => `      <li><a href="/p/${p.id}">${escapeHtml(p.name)}</a> <span class="price">$${(p.priceCents / 100).toFixed(2)}</span></li>`)
    .join('\n');
  const nav = CATEGORIES.map((c) => `<a href="/c/${c}">${c}</a>`).join(' · ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>tidemark demo shop</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
  </head>
  <body>
    <header><h1>Demo Shop</h1><nav>${nav}</nav></header>
    <main>
      <p>This is tidemark's built-in demo target. Its JSON API lives under <code>/api</code>.</p>
      <h2>Featured</h2>
      <ul>
${cards}
      </ul>
    </main>
  </body>
</html>
`;
}

export const ROBOTS_TXT = 'User-agent: *\nDisallow: /api/cart\nDisallow: /api/checkout\nDisallow: /api/orders\n';
