// `engines.plugd` in a plugin's manifest: the plugd versions it was written
// for, checked at load, so an old plugin never half-works under a new daemon.
// The common forms of an npm range are understood (`>=1.2`, `^1.2.3`, `~1.2`,
// `1.2.3`, `1.x`, `*`, several in a row for "and", `||` for "or"): a few
// lines, where the `semver` package would be a dependency for one call.
// Prerelease tags are ignored.

import { version as plugdVersion } from '../package-root.js';
import { PluginError } from '../contract/errors.js';

type Version = [number, number, number];

/** A version or a partial one (`1`, `1.2`, `1.x`): the missing parts are undefined. */
type Partial = [number | undefined, number | undefined, number | undefined];

const COMPARATOR = /^(\^|~|>=|<=|>|<|=)?\s*v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+][0-9A-Za-z.-]*)?$/;

const part = (text: string | undefined) => (text === undefined || /^[xX*]$/.test(text) ? undefined : Number(text));

function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** The half-open interval [low, high) a comparator allows, `high` absent for no upper bound. */
function interval(operator: string, wanted: Partial): { low?: Version; high?: Version } {
  const [major, minor, patch] = wanted;
  if (major === undefined) return {};
  const floor: Version = [major, minor ?? 0, patch ?? 0];
  // The first version past the parts given: 1.2 → 1.3.0, 1 → 2.0.0.
  const next: Version =
    minor === undefined ? [major + 1, 0, 0] : patch === undefined ? [major, minor + 1, 0] : [major, minor, patch + 1];
  switch (operator) {
    case '>=':
      return { low: floor };
    case '>':
      return { low: next };
    case '<':
      return { high: floor };
    case '<=':
      return { high: next };
    case '^': {
      const high: Version =
        major > 0 || minor === undefined
          ? [major + 1, 0, 0]
          : minor > 0 || patch === undefined
            ? [0, minor + 1, 0]
            : [0, 0, patch + 1];
      return { low: floor, high };
    }
    case '~':
      return { low: floor, high: minor === undefined ? [major + 1, 0, 0] : [major, minor + 1, 0] };
    default:
      return { low: floor, high: next };
  }
}

/** Whether `version` is in `range`; throws on a range it cannot read. */
export function satisfies(version: string, range: string): boolean {
  const have = parseVersion(version);
  if (!have) throw new PluginError(`"${version}" is not a version`);
  return range.split('||').some((alternative) => {
    const comparators = alternative
      .trim()
      .replace(/(\^|~|>=|<=|>|<|=)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    return comparators.every((comparator) => {
      const match = COMPARATOR.exec(comparator);
      if (!match) throw new PluginError(`"${range}" is not a version range plugd understands`);
      const { low, high } = interval(match[1] ?? '=', [part(match[2]), part(match[3]), part(match[4])]);
      return (!low || compare(have, low) >= 0) && (!high || compare(have, high) < 0);
    });
  });
}

/** Throws, naming both versions, when this plugd is not one `range` accepts. */
export function checkEngines(range: string | undefined, version = plugdVersion): void {
  if (range === undefined) return;
  let ok: boolean;
  try {
    ok = satisfies(version, range);
  } catch (error) {
    throw new PluginError(`engines.plugd: ${(error as Error).message}`, { cause: error });
  }
  if (!ok) throw new PluginError(`requires plugd ${range} (engines.plugd), this is plugd ${version}`);
}
