import { Type } from "typebox";
import { DateOnly, ListQuery, Nullable, Timestamp, Uuid, listOf } from "../../http/schemas.js";
import { FlowKey } from "./flow-schemas.js";

const strict = { additionalProperties: false } as const;
const Form = Type.Record(Type.String(), Type.Unknown(), { description: "Form fields; a snapshot is kept with the instance" });
const Comment = Type.String({ maxLength: 2000 });

export const Subject = Type.Object({ type: Type.Literal("task"), id: Uuid }, strict);

export const StartBody = Type.Object(
  {
    flowKey: FlowKey,
    title: Type.String({ minLength: 1, maxLength: 200, pattern: "\\S" }),
    form: Type.Optional(Form),
    subject: Type.Optional(Subject),
    pickedApprovers: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Array(Uuid, { minItems: 1, maxItems: 50 }), { maxProperties: 100, description: "nodeId -> user ids, for initiator_pick rules" }),
    ),
  },
  strict,
);

export const ACTIONS = ["approve", "reject", "transfer", "add_signer", "return", "withdraw", "resubmit", "urge", "comment", "reassign"] as const;
export type ActionName = (typeof ACTIONS)[number];

export const ActionBody = Type.Object(
  {
    action: Type.Union(ACTIONS.map((a) => Type.Literal(a))),
    taskId: Type.Optional(Uuid),
    comment: Type.Optional(Comment),
    toUserId: Type.Optional(Uuid),
    userIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 50 })),
    position: Type.Optional(Type.Union([Type.Literal("before"), Type.Literal("after"), Type.Literal("parallel")])),
    toNodeId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    form: Type.Optional(Form),
  },
  strict,
);

const TaskView = Type.Object({
  id: Uuid,
  assigneeId: Uuid,
  status: Type.String({ description: "waiting, pending, approved, rejected, transferred, canceled, auto_approved" }),
  onBehalfOf: Nullable(Uuid),
  origin: Type.String({ description: "resolved, admin_fallback, transfer, reassign, add_before, add_parallel, add_after, escalate" }),
  counts: Type.Boolean({ description: "Whether the task is one of the node's N approvers" }),
  position: Type.Integer(),
  autoReason: Nullable(Type.String()),
  comment: Nullable(Type.String()),
  decidedBy: Nullable(Uuid),
  decidedAt: Nullable(Timestamp),
});

const NodeView = Type.Object({
  id: Type.String(),
  runId: Uuid,
  name: Nullable(Type.String()),
  type: Type.String(),
  mode: Nullable(Type.String()),
  attempt: Type.Integer(),
  status: Type.String({ description: "pending, active, approved, rejected, skipped, canceled" }),
  invalidated: Type.Boolean(),
  reason: Nullable(Type.String({ description: "Why the node closed without people deciding: no_approvers, timeout, auto" })),
  required: Nullable(Type.Integer({ description: "Approvals the node needs (k)" })),
  activatedAt: Nullable(Timestamp),
  decidedAt: Nullable(Timestamp),
  ccUserIds: Type.Array(Uuid),
  tasks: Type.Array(TaskView),
});

const EventView = Type.Object({
  seq: Type.Integer(),
  attempt: Type.Integer(),
  type: Type.String(),
  actorId: Nullable(Uuid),
  nodeId: Nullable(Type.String()),
  taskId: Nullable(Uuid),
  at: Timestamp,
  data: Type.Record(Type.String(), Type.Unknown()),
});

export const Instance = Type.Object({
  id: Uuid,
  orgId: Uuid,
  flowKey: Type.String(),
  flowVersion: Type.Integer(),
  title: Type.String(),
  status: Type.String({ description: "running, approved, rejected, returned, withdrawn" }),
  attempt: Type.Integer(),
  revision: Type.Integer(),
  initiatorId: Uuid,
  form: Form,
  subject: Nullable(Type.Object({ type: Type.String(), id: Uuid })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  nodes: Type.Array(NodeView),
  timeline: Type.Array(EventView),
});

export const ApprovalParams = Type.Object({ approvalId: Uuid });

export const BoxQuery = Type.Object(
  {
    box: Type.Optional(Type.Union([Type.Literal("pending"), Type.Literal("initiated"), Type.Literal("cc"), Type.Literal("done")], { default: "pending" })),
    orgId: Type.Optional(Uuid),
    ...ListQuery,
  },
  strict,
);
export const BoxList = listOf(
  Type.Object({
    id: Uuid,
    orgId: Uuid,
    flowKey: Type.String(),
    flowVersion: Type.Integer(),
    title: Type.String(),
    status: Type.String(),
    attempt: Type.Integer(),
    initiatorId: Uuid,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    task: Nullable(Type.Object({ id: Uuid, nodeId: Nullable(Type.String()), status: Nullable(Type.String()), onBehalfOf: Nullable(Uuid), decidedAt: Nullable(Timestamp) })),
  }),
);

export const DelegationBody = Type.Object({ delegateId: Uuid, startsAt: Timestamp, endsAt: Timestamp }, strict);
export const Delegation = Type.Object({ orgId: Uuid, userId: Uuid, delegateId: Uuid, startsAt: Timestamp, endsAt: Timestamp, active: Type.Boolean() });
export const DelegationResult = Type.Object({ delegation: Nullable(Delegation) });

export const ReportQuery = Type.Object(
  { from: Type.Union([DateOnly, Timestamp]), to: Type.Union([DateOnly, Timestamp]) },
  strict,
);
export const Report = Type.Object({
  orgId: Uuid,
  from: Timestamp,
  to: Timestamp,
  flows: Type.Array(
    Type.Object({
      flowKey: Type.String(),
      started: Type.Integer(),
      approved: Type.Integer(),
      rejected: Type.Integer(),
      withdrawn: Type.Integer(),
      running: Type.Integer({ description: "Running or returned to the initiator" }),
      p50Seconds: Nullable(Type.Number({ description: "Median turnaround of approved and rejected instances" })),
      p90Seconds: Nullable(Type.Number()),
    }),
  ),
});
