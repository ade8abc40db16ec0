import { Type } from "typebox";
import { Uuid } from "../../http/schemas.js";

export const EventsQuery = Type.Object(
  {
    token: Type.Optional(Type.String({ maxLength: 200, description: "Session or personal access token, for clients that cannot send headers (browsers)" })),
    lastEventId: Type.Optional({ ...Uuid, description: "The `id` of the last event received: missed events after it are sent first" }),
  },
  { additionalProperties: false },
);

export const EventsHandshake = Type.Null({
  description:
    "Switching Protocols: the server sends one JSON text message per event `{id, type, orgId, projectId?, data, at}` the user may see, " +
    "`{type: \"stream.ready\", data: {replayed}}` once missed events are sent, and `{type: \"stream.resync\", data: {reason, lastEventId}}` " +
    "when `lastEventId` is unknown (pruned) or too far behind: refetch, then go on with the live events.",
});
