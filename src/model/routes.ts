/**
 * Route templating: concrete paths → `METHOD /route/:template` keys, on a stream, in bounded
 * memory.
 *
 * Two kinds of folding (DESIGN.md, routes):
 *
 * 1. By value shape, per segment, at once: integers → `:id`, UUIDs → `:uuid`, long hex → `:hash`,
 *    `2026-11-27` → `:date`, e-mails → `:email`, IP addresses → `:ip`, long mixed-case tokens and
 *    JWTs → `:token`, absurdly long segments → `:param`; below a secret-bearing segment
 *    (`/password/reset/…`) anything that looks like a one-time code is `:param` too. Cheap and
 *    final.
 * 2. By cardinality at each position of a path tree: a node with many distinct literal children
 *    (more than `paramThreshold`, 50 by default) becomes a parameter position `:param`, except for
 *    the few children that carry a real share of its traffic and do not look like their siblings
 *    (`/blog/feed` among 10,000 posts; `/api/products/sale` next to the ids is never in doubt, as
 *    the ids are shape-folded), which stay literal. When the children that make a position wide
 *    never answered successfully (scanners probing `/wp-login.php`, `/.env`, …) and the ones
 *    that did are few, only the noise is folded: a site's real pages stay literal. All of this
 *    needs the whole stream, and a stream cannot be read twice.
 *
 * So the work is split in time:
 *
 * - During the stream every request walks the tree (shape-folded segments, literals as they
 *   come) and gets a *provisional key*: an integer naming (tree node of the last segment,
 *   method). Sessions, transitions and endpoint statistics are recorded against provisional
 *   keys right away.
 * - At `finalize()` the cardinality decisions are taken on the whole tree. Making a position a
 *   parameter *merges* the subtrees of its literal children into one `:param` subtree; wherever
 *   two nodes merge, their provisional keys for the same method are united in a union-find
 *   structure (the `onMerge` callback lets the owner merge its statistics). Every provisional
 *   key then resolves (`find`) to one surviving key, which names exactly one final template:
 *   that is the key → key remap applied to counts, entries and transitions.
 *
 * Memory stays bounded with millions of distinct paths because the same merge also happens
 * during the stream, as a safety valve:
 *
 * - a node with more than `literalCap` (1,000) distinct literal children is *frozen* at once: the
 *   frequent children stay, the rest merge into `:param`, and from then on new literals at that
 *   position go straight to `:param` (their values feed a bounded pool, `TopValues`);
 * - the whole tree is capped at `maxNodes` (20,000): past it, the nodes with the most literal
 *   children are frozen until the tree is back under 80% of the cap;
 * - depth is capped at `MAX_DEPTH` segments (the rest of a deeper path is `:rest`);
 * - value pools (`TopValues`) are bounded and, once full, sample every 8th value.
 *
 * For speed, paths made only of literal segments (`/`, `/search`, `/api/cart`: most of the
 * traffic of most sites) are remembered with their node chain and skip the walk; the cache is
 * bounded and cleared whenever the tree changes shape.
 *
 * Since `literalCap` > `paramThreshold`, the per-node valve never decides anything the final
 * pass would not have decided (except that a literal first seen after its position froze can no
 * longer be kept apart: it is counted in `:param`). The tree-size cap is a last resort and may
 * fold positions with few children; it only acts on trees of more than 20,000 nodes.
 *
 * The tree is shared by all methods (a position is a parameter for GET and PUT alike), so
 * parameter value pools belong to tree positions and are the same for every method.
 */
import { TopValues, detach } from './top-values.js';
import { isIpLike, isKeepableValue, isSensitiveSegment, isTokenLike, safeDecodeSegment } from './scrub.js';

/** Where a request path's path part starts: 0, or after the host of an absolute URL (proxy logs). */
export function pathStart(path: string): number {
  if (path.charCodeAt(0) === 47 /* / */) return 0;
  const scheme = path.indexOf('://');
  if (scheme < 0) return 0;
  const slash = path.indexOf('/', scheme + 3);
  return slash < 0 ? path.length : slash;
}

export const PARAM = ':param';
export const REST = ':rest';
const MAX_DEPTH = 16;
/** Literal-only paths remembered to skip the walk (the frequent static routes). */
const PATH_CACHE_SIZE = 4096;
/** Longer segments are parameters whatever they look like. */
const MAX_LITERAL_LENGTH = 100;
/** Shapes whose values are never kept in a pool. */
const UNKEPT = new Set([':email', ':ip', ':token', REST]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]{16,}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;

/**
 * The parameter a segment stands for by its shape alone, or null for a literal.
 * `segment` is as logged (not decoded).
 */
export function classifySegment(segment: string): string | null {
  const len = segment.length;
  // A literal `:x` would read as a parameter in a template.
  if (len > MAX_LITERAL_LENGTH || segment.charCodeAt(0) === 58 /* : */) return PARAM;
  const c = segment.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    let digits = true;
    for (let i = 1; i < len; i++) {
      const d = segment.charCodeAt(i);
      if (d < 48 || d > 57) {
        digits = false;
        break;
      }
    }
    if (digits) return ':id';
    if (len === 10 && DATE.test(segment)) return ':date';
  }
  if (len === 36 && UUID.test(segment)) return ':uuid';
  if (len >= 16 && HEX.test(segment) && /\d/.test(segment)) return ':hash';
  if (segment.includes('@') || segment.includes('%40')) {
    if (EMAIL.test(safeDecodeSegment(segment))) return ':email';
  }
  if (len >= 7 && len <= 45 && (segment.includes('.') || segment.includes(':')) && isIpLike(safeDecodeSegment(segment))) return ':ip';
  if (len >= 20 && isTokenLike(segment)) return ':token';
  return null;
}

/**
 * Below a secret-bearing segment (`/password/reset/…`, `/verify/…`), a segment of 8 or more
 * characters with a digit in it is taken for a one-time code: a parameter, its value not kept.
 */
function looksLikeCode(segment: string): boolean {
  return segment.length >= 8 && /\d/.test(segment);
}

class RouteNode {
  /** Literal children by segment (as logged). */
  literals: Map<string, RouteNode> | null = null;
  /** Parameter children by name (`:id`, `:param`, ...). */
  params: Map<string, RouteNode> | null = null;
  /** No new literal children: unknown literals go to `:param`. */
  frozen = false;
  /** Merged into another node; any reference to it is stale. */
  dead = false;
  /** Requests whose path passed through (or ended at) this node. */
  count = 0;
  /** …of which answered 1xx–3xx (or with no status logged): not scanner noise. */
  ok = 0;
  /** Method → provisional key, for paths that end here. */
  keys: Map<string, number> | null = null;
  /** Concrete values seen at this parameter position (parameter nodes only). */
  values: TopValues | null = null;

  constructor(
    public segment: string,
    public parent: RouteNode | null,
    /** This segment or one above it names a secret-bearing route (values not kept). */
    public sensitive: boolean,
  ) {}
}

export interface RouteTreeOptions {
  /** Distinct literal children above which a position becomes `:param` at the end (50). */
  paramThreshold?: number;
  /** Distinct literal children above which a position is frozen during the stream (1,000). */
  literalCap?: number;
  /** Nodes in the tree before the widest positions are frozen (20,000). */
  maxNodes?: number;
  /** Values kept per parameter position in the output pool (50). */
  poolSize?: number;
}

/** A final route: the surviving provisional key and what it stands for. */
export interface FinalRoute {
  keyId: number;
  method: string;
  /** `/api/products/:id`; repeated parameter names get a suffix (`:id`, `:id2`). */
  template: string;
  /** Parameter name (as in the template) → pool of values, most frequent first, scrubbed. */
  params: Record<string, string[]>;
}

/**
 * When a position becomes a parameter, a literal child stays literal if it carries at least this
 * share of the position's traffic and does not look like the values around it (`/blog/feed`
 * among thousands of `how-to-…-2024` posts; not the most popular post), at most MAX_KEPT of them.
 */
const KEEP_SHARE = 0.05;
const MAX_KEPT = 10;

/**
 * What a segment is made of: lower case, upper case, digits, word separators, anything else.
 * Values of one parameter mostly share it (slugs: lower + digits + separators; ids: digits);
 * a route name next to them usually does not (`feed`: lower only).
 */
function makeup(segment: string): number {
  let mask = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c >= 97 && c <= 122) mask |= 1;
    else if (c >= 65 && c <= 90) mask |= 2;
    else if (c >= 48 && c <= 57) mask |= 4;
    else if (c === 45 || c === 95 || c === 46 || c === 126) mask |= 8;
    else mask |= 16;
  }
  return mask;
}

export class RouteTree {
  private readonly root = new RouteNode('', null, false);
  private readonly paramThreshold: number;
  private readonly literalCap: number;
  private readonly maxNodes: number;
  private readonly poolSize: number;
  private readonly keyParent: number[] = [];
  private readonly pending: RouteNode[] = [];
  /** Literal-only paths → their nodes (root excluded); cleared whenever the tree changes shape. */
  private readonly pathCache = new Map<string, RouteNode[]>();
  private readonly scratch: RouteNode[] = [];
  private nodes = 1;
  /** Whether the request being walked succeeded (see RouteNode.ok). */
  private ok = true;
  /** Unions since the owner last compacted its key references (see `takeUnions`). */
  private unions = 0;

  /**
   * @param onNewKey a provisional key was created (the owner allocates its statistics)
   * @param onMerge key `from` was united into `into` (the owner merges `from`'s statistics into
   *   `into`'s and forgets `from`'s); both are representatives at the time of the call
   */
  constructor(
    options: RouteTreeOptions,
    private readonly onNewKey: (keyId: number, method: string) => void,
    private readonly onMerge: (into: number, from: number) => void,
  ) {
    this.paramThreshold = options.paramThreshold ?? 50;
    this.literalCap = Math.max(options.literalCap ?? 1000, this.paramThreshold + 1);
    this.maxNodes = options.maxNodes ?? 20_000;
    this.poolSize = options.poolSize ?? 50;
  }

  get nodeCount(): number {
    return this.nodes;
  }

  get keyCount(): number {
    return this.keyParent.length;
  }

  /** The surviving key a provisional key has been merged into (itself if none). */
  find(keyId: number): number {
    const parent = this.keyParent;
    let root = keyId;
    while ((parent[root] as number) !== root) root = parent[root] as number;
    while ((parent[keyId] as number) !== root) {
      const next = parent[keyId] as number;
      parent[keyId] = root;
      keyId = next;
    }
    return root;
  }

  /**
   * True (and the count restarts) once more than `n` keys merged since the last true: the owner
   * then compacts the key references it holds (`find` on each) so that they stay few.
   */
  takeUnionsIfOver(n: number): boolean {
    if (this.unions <= n) return false;
    this.unions = 0;
    return true;
  }

  /**
   * The provisional key of a request (already resolved: a representative). `path` is without
   * the query; an absolute URL (proxy logs) is reduced to its path.
   */
  keyFor(method: string, path: string, ok = true): number {
    this.ok = ok;
    const start = pathStart(path);
    // One pass over the characters: `/` ends a segment, `;` starts matrix parameters
    // (`;jsessionid=...`, dropped), `?` or `#` ends the path.
    let node = this.root;
    node.count++;
    const cached = start === 0 ? this.pathCache.get(path) : undefined;
    if (cached !== undefined) {
      for (let k = 0; k < cached.length; k++) {
        const n = cached[k] as RouteNode;
        n.count++;
        if (ok) n.ok++;
      }
      if (cached.length > 0) node = cached[cached.length - 1] as RouteNode;
    } else {
      node = this.walk(node, path, start);
    }

    let keys = node.keys;
    if (keys === null) keys = node.keys = new Map();
    let key = keys.get(method);
    if (key === undefined) {
      key = this.keyParent.length;
      this.keyParent.push(key);
      keys.set(method, key);
      this.onNewKey(key, method);
    }
    if (this.pending.length > 0) this.collapsePending();
    if (this.nodes > this.maxNodes) this.enforceBudget();
    return this.find(key);
  }

  /**
   * A provisional key that no path of the tree produces and that never merges (user-given
   * routes, user-routes.ts): it shares the key space, so `find` and the owner's tables take it.
   */
  externalKey(method: string): number {
    const key = this.keyParent.length;
    this.keyParent.push(key);
    this.onNewKey(key, method);
    return key;
  }

  /**
   * Takes the cardinality decisions on the whole tree and returns every final route. After this
   * every provisional key resolves (`find`) to the `keyId` of exactly one route.
   */
  finalize(): FinalRoute[] {
    this.decide(this.root);
    const routes: FinalRoute[] = [];
    const walk = (node: RouteNode, template: string, names: Map<string, number>, pools: [string, RouteNode][]): void => {
      if (node.keys !== null) {
        const params: Record<string, string[]> = {};
        for (const [name, paramNode] of pools) params[name] = this.pool(paramNode);
        for (const [method, key] of node.keys) {
          routes.push({ keyId: this.find(key), method, template: template === '' ? '/' : template, params });
        }
      }
      if (node.literals !== null) {
        for (const [segment, child] of node.literals) walk(child, `${template}/${segment}`, names, pools);
      }
      if (node.params !== null) {
        for (const [name, child] of node.params) {
          const seen = names.get(name) ?? 0;
          const unique = seen === 0 ? name : `${name}${seen + 1}`;
          const nextNames = new Map(names).set(name, seen + 1);
          walk(child, `${template}/${unique}`, nextNames, [...pools, [unique, child]]);
        }
      }
    };
    walk(this.root, '', new Map(), []);
    return routes;
  }

  private pool(node: RouteNode): string[] {
    if (UNKEPT.has(node.segment) || node.values === null) return [];
    return node.values.top(this.poolSize);
  }

  /**
   * Walks the segments of `path` from `start`, one pass over the characters: `/` ends a
   * segment, `;` starts matrix parameters (`;jsessionid=...`, dropped), `?` or `#` ends the
   * path. A path made only of literal segments is remembered (`pathCache`), so that the
   * frequent ones (`/`, `/search`, `/api/cart`) skip the walk next time.
   */
  private walk(root: RouteNode, path: string, start: number): RouteNode {
    let node = root;
    let depth = 0;
    let segmentStart = start;
    let segmentEnd = -1;
    let literalOnly = start === 0 && this.pathCache.size < PATH_CACHE_SIZE;
    const chain = this.scratch;
    chain.length = 0;
    const length = path.length;
    for (let i = start; i <= length; i++) {
      const c = i < length ? path.charCodeAt(i) : 47;
      if (c === 59 /* ; */) {
        if (segmentEnd < 0) segmentEnd = i;
        literalOnly = false;
        continue;
      }
      const last = c === 63 /* ? */ || c === 35; /* # */
      if (c !== 47 && !last) continue;
      const end = segmentEnd < 0 ? i : segmentEnd;
      if (end > segmentStart) {
        if (depth === MAX_DEPTH) {
          node = this.paramChild(node, REST);
          node.count++;
          literalOnly = false;
          break;
        }
        node = this.child(node, path.slice(segmentStart, end));
        depth++;
        if (literalOnly) {
          if (node.segment.charCodeAt(0) === 58 /* : parameter */) literalOnly = false;
          else chain.push(node);
        }
      }
      if (last) {
        literalOnly = false;
        break;
      }
      segmentStart = i + 1;
      segmentEnd = -1;
    }
    if (literalOnly) this.pathCache.set(path, chain.slice());
    return node;
  }

  private child(node: RouteNode, segment: string): RouteNode {
    const literal = node.literals?.get(segment);
    if (literal !== undefined) {
      literal.count++;
      if (this.ok) literal.ok++;
      return literal;
    }
    const shape = node.sensitive && looksLikeCode(segment) ? PARAM : classifySegment(segment);
    if (shape !== null) {
      const p = this.paramChild(node, shape);
      p.count++;
      if (!UNKEPT.has(shape) && !node.sensitive) this.keepValue(p, segment, 1);
      return p;
    }
    if (node.frozen) {
      const p = this.paramChild(node, PARAM);
      p.count++;
      if (!node.sensitive) this.keepValue(p, segment, 1);
      return p;
    }
    // Kept for the life of the node: a copy, not a slice that would keep its log line alive.
    const name = detach(segment);
    const created = new RouteNode(name, node, node.sensitive || isSensitiveSegment(name));
    created.count = 1;
    created.ok = this.ok ? 1 : 0;
    (node.literals ??= new Map()).set(name, created);
    this.nodes++;
    if (node.literals.size > this.literalCap) this.pending.push(node);
    return created;
  }

  private keepValue(node: RouteNode, segment: string, count: number): void {
    const values = (node.values ??= new TopValues(this.poolSize * 4));
    // Once the pool overflows, only a systematic sample of the requests is counted.
    const weight = count === 1 ? values.sampleWeight() : count;
    if (weight === 0) return;
    const decoded = safeDecodeSegment(segment);
    if (isKeepableValue(decoded)) values.add(decoded, weight);
  }

  private paramChild(node: RouteNode, name: string): RouteNode {
    let p = node.params?.get(name);
    if (p === undefined) {
      p = new RouteNode(name, node, node.sensitive);
      (node.params ??= new Map()).set(name, p);
      this.nodes++;
    }
    return p;
  }

  private collapsePending(): void {
    while (this.pending.length > 0) {
      const node = this.pending.pop() as RouteNode;
      if (!node.dead && !node.frozen && node.literals !== null && node.literals.size > this.literalCap) this.collapse(node);
    }
  }

  /**
   * Makes `node` a parameter position: literal children that carry a real share of its traffic
   * stay; the others merge into its `:param` child. New literals will go to `:param` too.
   *
   * Except when what makes the position wide is noise: if no more than `paramThreshold` of its
   * literal children ever answered successfully (vulnerability scanners and typos probing
   * `/wp-login.php`, `/.env`, … next to a site's 20 real pages), only the never-successful
   * children merge into `:param` and the position stays open to new literals.
   */
  private collapse(node: RouteNode): void {
    this.pathCache.clear();
    const literals = node.literals;
    if (literals === null || literals.size === 0) {
      node.frozen = true;
      return;
    }
    let successful = 0;
    for (const child of literals.values()) if (child.ok > 0) successful++;
    if (!node.frozen && successful <= this.paramThreshold) {
      const noise = [...literals].filter(([, child]) => child.ok === 0);
      if (noise.length > 0) {
        const param = this.paramChild(node, PARAM);
        for (const [segment, child] of noise) {
          literals.delete(segment);
          if (!node.sensitive) this.keepValue(param, segment, child.count);
          this.merge(param, child);
        }
        return;
      }
    }
    node.frozen = true;
    let total = node.params?.get(PARAM)?.count ?? 0;
    for (const child of literals.values()) total += child.count;
    const threshold = Math.max(KEEP_SHARE * total, 2);
    // The make-up most children share, if a clear majority does.
    const makeups = new Map<number, number>();
    for (const segment of literals.keys()) {
      const m = makeup(segment);
      makeups.set(m, (makeups.get(m) ?? 0) + 1);
    }
    let usual = -1;
    for (const [m, n] of makeups) if (n * 2 > literals.size && literals.size > MAX_KEPT) usual = m;
    const kept = new Set(
      [...literals]
        .filter(([segment, c]) => c.count >= threshold && makeup(segment) !== usual)
        .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
        .slice(0, MAX_KEPT)
        .map(([segment]) => segment),
    );
    const folded = [...literals].filter(([segment]) => !kept.has(segment));
    if (folded.length === 0) return;
    const param = this.paramChild(node, PARAM);
    for (const [segment, child] of folded) {
      literals.delete(segment);
      if (!node.sensitive) this.keepValue(param, segment, child.count);
      this.merge(param, child);
    }
  }

  /** Merges the subtree of `from` into `into` (same position); `from` dies. */
  private merge(into: RouteNode, from: RouteNode): void {
    into.count += from.count;
    into.ok += from.ok;
    if (from.keys !== null) {
      for (const [method, key] of from.keys) {
        const existing = into.keys?.get(method);
        if (existing === undefined) (into.keys ??= new Map()).set(method, key);
        else this.union(existing, key);
      }
    }
    if (from.values !== null) {
      if (into.values === null) into.values = from.values;
      else into.values.merge(from.values);
    }
    if (from.params !== null) {
      for (const [name, child] of from.params) {
        const existing = into.params?.get(name);
        if (existing !== undefined) this.merge(existing, child);
        else this.attach(into, child, name, false);
      }
    }
    if (from.literals !== null) {
      for (const [segment, child] of from.literals) {
        const existing = into.literals?.get(segment);
        if (existing !== undefined) this.merge(existing, child);
        else if (into.frozen) {
          const p = this.paramChild(into, PARAM);
          if (!into.sensitive) this.keepValue(p, segment, child.count);
          this.merge(p, child);
        } else {
          this.attach(into, child, segment, true);
          if ((into.literals as Map<string, RouteNode>).size > this.literalCap) this.pending.push(into);
        }
      }
    }
    from.dead = true;
    from.keys = null;
    from.literals = null;
    from.params = null;
    from.values = null;
    this.nodes--;
  }

  private attach(parent: RouteNode, child: RouteNode, name: string, literal: boolean): void {
    child.parent = parent;
    if (literal) (parent.literals ??= new Map()).set(name, child);
    else (parent.params ??= new Map()).set(name, child);
  }

  private union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    this.keyParent[rb] = ra;
    this.unions++;
    this.onMerge(ra, rb);
  }

  /** Past `maxNodes`: freeze the widest positions until the tree is under 80% of the cap. */
  private enforceBudget(): void {
    const target = Math.floor(this.maxNodes * 0.8);
    const candidates: RouteNode[] = [];
    const visit = (node: RouteNode): void => {
      if (!node.frozen && node.literals !== null && node.literals.size > 1) candidates.push(node);
      if (node.literals !== null) for (const c of node.literals.values()) visit(c);
      if (node.params !== null) for (const c of node.params.values()) visit(c);
    };
    visit(this.root);
    // Widest first; stable on ties (tree order), so the choice is deterministic.
    const order = candidates.map((node, i) => ({ node, i, width: (node.literals as Map<string, RouteNode>).size }));
    order.sort((a, b) => b.width - a.width || a.i - b.i);
    for (const { node } of order) {
      if (this.nodes <= target) break;
      if (node.dead || node.frozen) continue;
      this.collapse(node);
      this.collapsePending();
    }
  }

  /** The end-of-stream cardinality pass, top-down. */
  private decide(node: RouteNode): void {
    if (node.literals !== null && (node.frozen || node.literals.size > this.paramThreshold)) {
      this.collapse(node);
      this.collapsePending();
    }
    if (node.literals !== null) for (const child of [...node.literals.values()]) this.decide(child);
    if (node.params !== null) for (const child of [...node.params.values()]) this.decide(child);
  }
}
