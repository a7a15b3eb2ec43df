// `niceness` (or `--nice`): lower the daemon's priority, or raise it where allowed.

import { setPriority } from 'node:os';
import { PermissionError } from '../contract/errors.js';

export function applyNiceness(niceness: number | undefined): void {
  if (niceness === undefined) return;
  try {
    setPriority(niceness);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'EACCES'
        ? 'permission denied (only root may raise priority)'
        : (error as Error).message;
    throw new PermissionError(`cannot set niceness to ${niceness}: ${reason}`, { cause: error });
  }
}
