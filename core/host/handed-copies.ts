// What the daemon hands a plugin process of another user (process-backend.ts):
// a copy of plugd's runtime (handed-runtime.ts), since plugd's install may be
// closed to that user, and a copy of each build it loads (process-build.ts),
// since the daemon's build cache is private. Each copy is removed once it has
// served: a build when its load order is answered, the runtime at the end.

import { handBuildTo, type HandedBuild } from './process-build.js';
import { checkRunnable } from './process-access.js';
import { handedRuntime, type HandedRuntime } from './handed-runtime.js';
import type { ProcessIds } from './process-user.js';

export class HandedCopies {
  private runtime: HandedRuntime | undefined;
  private releaseRuntime: () => string[] = () => [];
  /** Copies of builds handed over, by the id of the load order that imports them. */
  private readonly builds = new Map<number, HandedBuild>();

  /** `warn` logs a copy it could not remove; `holder` names the process that held it. */
  constructor(
    private readonly ids: ProcessIds,
    private readonly warn: (message: string) => void,
    private readonly holder: () => string,
  ) {}

  /** The entry of plugd's runtime copied for the process, once it is sure to run Node. */
  runtimeEntry(user: string | number | undefined): string {
    checkRunnable(`user ${user}`, this.ids, process.execPath);
    const handed = handedRuntime(this.ids);
    this.runtime = handed.runtime;
    this.releaseRuntime = () => handed.release();
    return this.runtime.processRuntime;
  }

  /** The URL of a copy of the build at `entryUrl` the process may read, until it has imported it. */
  build(orderId: number, entryUrl: string): string {
    const build = handBuildTo(entryUrl, this.ids, this.runtime!.sdkUrl);
    this.builds.set(orderId, build);
    return build.url;
  }

  /** The reply to load order `orderId` came: the copy it imported goes (no-op for any other id). */
  answered(orderId: number): void {
    const build = this.builds.get(orderId);
    if (!build) return;
    this.builds.delete(orderId);
    for (const error of build.remove()) this.warn(`cannot remove the build handed to ${this.holder()}: ${error}`);
  }

  /** The process has ended: every copy goes. */
  releaseAll(): void {
    for (const id of [...this.builds.keys()]) this.answered(id);
    for (const error of this.releaseRuntime())
      this.warn(`cannot remove the runtime handed to user ${this.ids.uid}: ${error}`);
  }
}
