import { SK_COOKIE, SK_VALUE, type RuntimeVariable, type Step } from './log-format-steps.js';
import { unsupportedSessionKey, type SessionKey } from './session-key.js';

/*
 * `--session-key` for compiled nginx/Apache log formats: which variable of the format holds the
 * key, marked on a copy of the steps so that the generated parser reads it (and only then).
 *
 *   cookie:sid     nginx $cookie_sid, else $http_cookie (parsed)   Apache %{sid}C, else %{Cookie}i (parsed)
 *   header:x-user  nginx $http_x_user                               Apache %{X-User}i (any case)
 *   field:NAME     nginx $NAME (field:remote_user)                  Apache the directive as written
 *                                                                   (field:%u, field:%{UNIQUE_ID}e) or
 *                                                                   remote_user, remote_host, remote_addr
 */

const APACHE_ALIASES: Record<string, string> = { remote_user: '%u', remote_host: '%h', remote_addr: '%a', remote_logname: '%l' };

interface Target {
  variable: RuntimeVariable;
  mode: number;
}

function allVariables(steps: Step[]): RuntimeVariable[] {
  return steps.flatMap((s) => s.vars);
}

function find(steps: Step[], test: (name: string) => boolean): RuntimeVariable | undefined {
  return allVariables(steps).find((x) => test(x.name));
}

/** Apache directive name without modifiers: `%!200,304{X-User}i` → `%{X-User}i`. */
function bareApache(name: string): string {
  return name.replace(/^%[<>]?(?:!?[0-9,]+)?[<>]?/, '%');
}

function locate(steps: Step[], key: SessionKey): Target | string {
  const lower = key.name.toLowerCase();
  const nginx = (name: string): boolean => name.startsWith('$');
  const apache = (name: string): boolean => name.startsWith('%');
  switch (key.kind) {
    case 'cookie': {
      const direct = find(steps, (n) => (nginx(n) && n.toLowerCase() === `$cookie_${lower}`) || (apache(n) && bareApache(n) === `%{${key.name}}C`));
      if (direct) return { variable: direct, mode: SK_VALUE };
      const header = find(steps, (n) => (nginx(n) && n.toLowerCase() === '$http_cookie') || (apache(n) && bareApache(n).toLowerCase() === '%{cookie}i'));
      if (header) return { variable: header, mode: SK_COOKIE };
      return `logs no cookie ${key.name} (nginx $cookie_${key.name} or $http_cookie; Apache %{${key.name}}C or %{Cookie}i)`;
    }
    case 'header': {
      const nginxName = `$http_${lower.replace(/-/g, '_')}`;
      const found = find(steps, (n) => (nginx(n) && n.toLowerCase() === nginxName) || (apache(n) && bareApache(n).toLowerCase() === `%{${lower}}i`));
      if (found) return { variable: found, mode: SK_VALUE };
      return `logs no header ${key.name} (nginx ${nginxName}; Apache %{${key.name}}i)`;
    }
    case 'field': {
      const bare = key.name.replace(/^\$/, '');
      const apacheName = APACHE_ALIASES[bare.toLowerCase()] ?? key.name;
      const found = find(steps, (n) => (nginx(n) && n.toLowerCase() === `$${bare.toLowerCase()}`) || (apache(n) && (n === apacheName || bareApache(n) === apacheName)));
      if (found) return { variable: found, mode: SK_VALUE };
      const names = [...new Set(allVariables(steps).map((x) => x.name).filter((n) => n !== '-'))];
      return `has no field ${key.name} (its fields: ${names.join(' ')})`;
    }
  }
}

const cache = new WeakMap<Step[], Map<string, Step[]>>();

/**
 * The steps of a compiled format with the variable that holds `key` marked, so that the
 * generated parser fills `sessionKey`. Throws a UsageError naming the key, the format and the
 * variables to log when the format has no such variable.
 */
export function sessionKeySteps(steps: Step[], key: SessionKey, formatName: string): Step[] {
  let byKey = cache.get(steps);
  const cached = byKey?.get(key.text);
  if (cached) return cached;
  const target = locate(steps, key);
  if (typeof target === 'string') {
    throw unsupportedSessionKey(key, formatName, target, 'add the variable to the log format (and give the format with --log-format), or use --session-key ip+ua (the default)');
  }
  const cookie = target.mode === SK_COOKIE ? key.name : '';
  const keyed = steps.map((s) => ({
    ...s,
    vars: s.vars.map((x) => (x === target.variable ? { ...x, sessionKey: target.mode, sessionKeyCookie: cookie } : x)),
  }));
  if (!byKey) cache.set(steps, (byKey = new Map()));
  byKey.set(key.text, keyed);
  return keyed;
}
