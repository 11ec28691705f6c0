/**
 * Reading one setting's value: present, an integer, a boolean. Which settings exist, their
 * defaults and what they mean are functions/core/config.ts's (the one reader, docs/configuration.md).
 */
/** A setting that is missing or malformed; its message names the setting and the value. */
export class ConfigError extends Error {}

/** Settings by variable name: a process environment, or CDK context read into one. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A setting that must be present (surrounding spaces kept). */
export function requireString(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`${name} must be set`);
  return value;
}

/** A setting's trimmed value, or undefined when unset or blank. */
export function optionalString(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A positive integer setting, or its default when unset. */
export function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = optionalString(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** An integer setting of 0 or more, or its default when unset. */
export function nonNegativeInt(env: Env, name: string, fallback: number): number {
  const raw = optionalString(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return Number(raw);
}

/** A `true` or `false` setting (any case), or its default when unset. */
export function booleanSetting(env: Env, name: string, fallback: boolean): boolean {
  const raw = optionalString(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}
