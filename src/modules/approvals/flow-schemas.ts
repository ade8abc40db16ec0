import { Type } from "typebox";
import { ListQuery, Nullable, Timestamp, Uuid, listOf } from "../../http/schemas.js";
import { OrgRoleSchema } from "../orgs/schemas.js";

// The flow definition as clients send it (API.md, Approvals). Shapes are checked
// here (400); graph rules, ranges and approver presence at save time (422).

export const FlowKey = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", description: "Letters, digits, _ . -; up to 100 characters" });
const NodeId = Type.String({ pattern: "^[^\\s.]{1,64}$", description: "Unique in the flow; no spaces or dots; 'end' is reserved" });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: "\\S" });
const strict = { additionalProperties: false } as const;

const ApproverRule = Type.Union([
  Type.Object({ type: Type.Literal("user"), userId: Uuid }, strict),
  Type.Object({ type: Type.Literal("role"), role: OrgRoleSchema }, strict),
  Type.Object({ type: Type.Literal("manager"), level: Type.Optional(Type.Number({ description: "1 = direct manager" })) }, strict),
  Type.Object({ type: Type.Literal("department_head") }, strict),
  Type.Object({ type: Type.Literal("project_manager") }, strict),
  Type.Object({ type: Type.Literal("initiator_pick") }, strict),
  Type.Object({ type: Type.Literal("form_field"), field: Type.String({ maxLength: 100 }) }, strict),
]);
const Approvers = Type.Array(ApproverRule, { maxItems: 200 });

const ApprovalNode = Type.Object(
  {
    id: NodeId,
    type: Type.Literal("approval"),
    name: Type.Optional(Name),
    mode: Type.Union([Type.Literal("sequential"), Type.Literal("all"), Type.Literal("any"), Type.Literal("threshold")]),
    threshold: Type.Optional(Type.Object({ count: Type.Optional(Type.Number()), percent: Type.Optional(Type.Number()) }, strict)),
    approvers: Approvers,
    timeout: Type.Optional(
      Type.Object(
        {
          hours: Type.Number(),
          action: Type.Union([Type.Literal("remind"), Type.Literal("auto_approve"), Type.Literal("auto_reject"), Type.Literal("escalate")]),
        },
        strict,
      ),
    ),
    next: Type.Optional(NodeId),
  },
  strict,
);

const CcNode = Type.Object({ id: NodeId, type: Type.Literal("cc"), name: Type.Optional(Name), approvers: Approvers, next: Type.Optional(NodeId) }, strict);

const Scalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]);
const Condition = Type.Object(
  {
    field: Type.String({ minLength: 1, maxLength: 100 }),
    op: Type.Union(["eq", "ne", "gt", "gte", "lt", "lte", "in", "contains"].map((op) => Type.Literal(op))),
    value: Type.Union([Scalar, Type.Null(), Type.Array(Scalar, { maxItems: 100 })]),
  },
  strict,
);
const BranchNode = Type.Object(
  {
    id: NodeId,
    type: Type.Literal("branch"),
    name: Type.Optional(Name),
    branches: Type.Array(Type.Object({ when: Condition, next: NodeId }, strict), { maxItems: 50 }),
    default: Type.Optional(NodeId),
  },
  strict,
);

const Settings = Type.Object(
  {
    dedupe: Type.Optional(Type.Union([Type.Literal("none"), Type.Literal("consecutive"), Type.Literal("once")])),
    selfApproval: Type.Optional(Type.Union([Type.Literal("self"), Type.Literal("auto_pass"), Type.Literal("manager")])),
    emptyApprovers: Type.Optional(Type.Union([Type.Literal("auto_pass"), Type.Literal("auto_reject"), Type.Literal("admin")])),
    onReject: Type.Optional(Type.Union([Type.Literal("terminate"), Type.Literal("return_to_initiator")])),
  },
  strict,
);

const definitionFields = {
  name: Name,
  settings: Type.Optional(Settings),
  nodes: Type.Array(Type.Union([ApprovalNode, CcNode, BranchNode]), { minItems: 1, maxItems: 100 }),
};

export const CreateFlowBody = Type.Object({ key: FlowKey, ...definitionFields }, strict);
export const UpdateFlowBody = Type.Object({ key: Type.Optional(FlowKey), ...definitionFields }, strict);

export const Flow = Type.Object({
  id: Uuid,
  orgId: Uuid,
  key: Type.String(),
  version: Type.Integer(),
  latestVersion: Type.Integer(),
  name: Type.String(),
  settings: Type.Object({ dedupe: Type.String(), selfApproval: Type.String(), emptyApprovers: Type.String(), onReject: Type.String() }),
  nodes: Type.Array(Type.Unknown(), { description: "The nodes as saved (see the request schema)" }),
  archived: Type.Boolean(),
  archivedAt: Nullable(Timestamp),
  createdBy: Nullable(Uuid),
  createdAt: Timestamp,
});
export const FlowList = listOf(Flow);

export const OrgParams = Type.Object({ orgId: Uuid });
export const FlowParams = Type.Object({ orgId: Uuid, key: FlowKey });
export const FlowQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) }, strict);
export const FlowsQuery = Type.Object({ ...ListQuery, archived: Type.Optional(Type.Boolean({ default: false })) }, strict);
