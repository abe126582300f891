/**
 * robots.txt rules for one product token, parsed once and matched in bounded work.
 *
 * Ours rather than robots-parser's (which this follows rule for rule: the grouping of
 * `User-agent` lines, percent-encoding normalised, the longest match winning and
 * Allow winning a tie) because its matcher costs pattern length × path length per
 * rule, twice for a denied URL: 500 KiB of wildcard rules against an 8,000-character
 * path took 3.6–4.6 s per URL, synchronously, stalling every run in the process.
 * Here each rule is split once into its literal pieces and matched greedily (one
 * left-to-right scan of the path per rule), the rules are tried longest first so
 * the first match is the answer, and every match counts its work: past
 * {@link ROBOTS_MATCH_BUDGET} characters examined it stops, and the URL is
 * disallowed with that reason (the site's file, not the URL, is at fault).
 */

/**
 * Characters one match may examine. A 500 KiB file of plain rules costs at most its
 * own size against any path; this leaves room for wildcards over long paths too.
 */
export const ROBOTS_MATCH_BUDGET = 4_000_000;

/** One `Allow` or `Disallow` line. */
export interface RobotsRule {
  readonly allow: boolean;
  /** 1-based line number in the file, for the denial message. */
  readonly line: number;
}

/** What matching one path found. */
export interface RobotsMatch {
  /** The rule that decides (longest pattern, Allow on a tie), or null when none matches. */
  readonly rule: RobotsRule | null;
  /** True when the work ran past {@link ROBOTS_MATCH_BUDGET} before an answer: treat as disallowed. */
  readonly overBudget: boolean;
  /** Characters examined, for tests and the budget. */
  readonly steps: number;
}

/** The rules of our group (else `*`'s) and its crawl delay. */
export interface RobotsRules {
  /** The group's `Crawl-delay` in seconds as written, undefined when it sets none. */
  readonly crawlDelaySeconds: number | undefined;
  /** Matches `path` (path and query, as sent) against the group's rules. */
  match(path: string): RobotsMatch;
}

interface CompiledRule extends RobotsRule {
  /** The pattern's length as written (normalised), which decides precedence. */
  readonly length: number;
  /** The pattern split at `*`: the first piece is a prefix, the others follow in order. */
  readonly pieces: readonly string[];
  /** The pattern ended in `$`: the last piece must end the path. */
  readonly anchored: boolean;
}

interface Group {
  readonly rules: CompiledRule[];
  crawlDelay?: number;
}

/**
 * Parses `body` and keeps the group for `token` (a product token, e.g. `fanout`;
 * matched case-insensitively), else the `*` group, with its rules ordered for matching.
 */
export function compileRobotsRules(body: string, token: string): RobotsRules {
  const groups = parseGroups(body);
  const group = groups.get(agentName(token)) ?? groups.get('*');
  const rules = [...(group?.rules ?? [])].sort((a, b) => b.length - a.length || Number(b.allow) - Number(a.allow) || a.line - b.line);
  return { crawlDelaySeconds: group?.crawlDelay, match: (path) => matchRules(rules, normalisePercent(path)) };
}

/** Groups by user agent, as robots-parser builds them: consecutive `User-agent` lines share the rules that follow. */
function parseGroups(body: string): Map<string, Group> {
  const groups = new Map<string, Group>();
  const groupOf = (agent: string): Group => {
    let group = groups.get(agent);
    if (group === undefined) groups.set(agent, (group = { rules: [] }));
    return group;
  };
  let agents: string[] = [];
  let afterAgentLine = false;
  const lines = body.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string;
    const hash = text.indexOf('#');
    const content = hash === -1 ? text : text.slice(0, hash);
    const colon = content.indexOf(':');
    if (colon === -1) continue;
    const key = content.slice(0, colon).trim().toLowerCase();
    const value = content.slice(colon + 1).trim();
    if (key === '') continue;
    if (key === 'user-agent') {
      if (!afterAgentLine) agents = [];
      if (value !== '') agents.push(agentName(value));
    } else if (key === 'allow' || key === 'disallow') {
      for (const agent of agents) {
        if (value !== '') groupOf(agent).rules.push(compileRule(normalisePattern(value), key === 'allow', i + 1));
        else groupOf(agent);
      }
    } else if (key === 'crawl-delay') {
      const delay = Number(value);
      for (const agent of agents) {
        const group = groupOf(agent);
        if (!Number.isNaN(delay)) group.crawlDelay = delay;
      }
    }
    afterAgentLine = key === 'user-agent';
  }
  return groups;
}

function compileRule(pattern: string, allow: boolean, line: number): CompiledRule {
  const anchored = pattern.endsWith('$');
  const pieces = (anchored ? pattern.slice(0, -1) : pattern).split('*');
  return { allow, line, length: pattern.length, pieces, anchored };
}

/** The first rule (they are in precedence order) matching `path`, counting the work. */
function matchRules(rules: readonly CompiledRule[], path: string): RobotsMatch {
  let steps = 0;
  for (const rule of rules) {
    const cost = { steps: 0 };
    const hit = matches(rule, path, cost);
    steps += cost.steps + 1;
    if (hit) return { rule: { allow: rule.allow, line: rule.line }, overBudget: false, steps };
    if (steps > ROBOTS_MATCH_BUDGET) return { rule: null, overBudget: true, steps };
  }
  return { rule: null, overBudget: false, steps };
}

/**
 * Whether the pattern matches a prefix of `path` (the whole path when anchored).
 * Each piece is found at its leftmost place after the one before: with only `*`
 * between pieces, the leftmost place leaves the most room for the rest, so a
 * greedy scan decides as the exhaustive one does.
 */
function matches(rule: CompiledRule, path: string, cost: { steps: number }): boolean {
  const { pieces, anchored } = rule;
  const first = pieces[0] as string;
  cost.steps += Math.min(first.length, path.length);
  if (!path.startsWith(first)) return false;
  if (pieces.length === 1) return !anchored || path.length === first.length;
  let at = first.length;
  const last = pieces.length - 1;
  for (let i = 1; i < last; i++) {
    const piece = pieces[i] as string;
    const found = path.indexOf(piece, at);
    cost.steps += (found === -1 ? path.length - at : found - at) + piece.length;
    if (found === -1) return false;
    at = found + piece.length;
  }
  const tail = pieces[last] as string;
  cost.steps += tail.length;
  if (anchored) return path.length - tail.length >= at && path.endsWith(tail);
  if (tail === '') return true;
  const found = path.indexOf(tail, at);
  cost.steps += found === -1 ? path.length - at : found - at;
  return found !== -1;
}

/** A `User-agent` value as groups are keyed: lower case, any `/version` dropped. */
function agentName(value: string): string {
  const lower = value.toLowerCase();
  const slash = lower.indexOf('/');
  return (slash === -1 ? lower : lower.slice(0, slash)).trim();
}

/** A pattern with non-ASCII and unsafe characters percent-encoded, as paths are sent. */
function normalisePattern(pattern: string): string {
  try {
    return normalisePercent(encodeURI(pattern).replace(/%25/g, '%'));
  } catch {
    return pattern;
  }
}

/** Percent-encodings in upper case (`%2f` and `%2F` are one byte). */
function normalisePercent(path: string): string {
  return path.replace(/%[0-9a-fA-F]{2}/g, (match) => match.toUpperCase());
}
