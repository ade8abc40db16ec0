import type { CommitListener, EmittedEvent } from "./types.js";

/** The commit listeners of one database; both drivers call them right after a commit. */
export class CommitListeners {
  private readonly listeners: CommitListener[] = [];

  add(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /** Awaited before tx() resolves, so the writer's next request already sees their effect. */
  async committed(events: readonly EmittedEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const listener of this.listeners) await listener(events).catch(() => undefined);
  }
}
