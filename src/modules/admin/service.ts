import type { Actor } from "../../platform/actor.js";
import { forbidden, notFound } from "../../platform/errors.js";
import type { JobInfo, JobQueue, JobState } from "../../platform/jobs/index.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Instance administration of background jobs: see what failed, run it again. */
export class AdminJobsService {
  constructor(private readonly jobs: JobQueue) {}

  async list(actor: Actor, state: JobState, limit: number): Promise<{ items: JobInfo[]; counts: Record<JobState, number>; backend: string }> {
    if (!actor.isInstanceAdmin) throw forbidden("Only instance administrators can see background jobs");
    const [items, counts] = await Promise.all([this.jobs.list(state, limit), this.jobs.counts()]);
    return { items, counts, backend: this.jobs.backend };
  }

  async retry(actor: Actor, jobId: string): Promise<void> {
    // For anyone else a job does not exist: ids of instance internals leak nothing.
    if (!actor.isInstanceAdmin) throw notFound("Job");
    if (this.jobs.backend === "database" && !UUID_RE.test(jobId)) throw notFound("Failed job");
    if (!(await this.jobs.retry(jobId))) throw notFound("Failed job");
  }
}
