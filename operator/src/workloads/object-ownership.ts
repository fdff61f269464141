/** The metadata the operator reads to decide who owns an object. */
export interface OwnedMeta {
  metadata: {
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
    managedFields?: { manager?: string }[];
  };
}

/** Whether `o`'s controller (its owner reference with `controller: true`) is the object with `uid`. */
export function controlledBy(o: OwnedMeta, uid: string): boolean {
  return (o.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid);
}

/** Who an object belongs to, for a condition message: its controller, else its field managers. */
export function describeOwner(o: OwnedMeta): string {
  const controller = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (controller !== undefined) return `controlled by ${controller.kind} ${controller.name}`;
  const managers = [...new Set((o.metadata.managedFields ?? []).map((f) => f.manager).filter((m): m is string => m !== undefined))];
  return managers.length === 0 ? 'not created by the operator' : `not created by the operator (managed by ${managers.join(', ')})`;
}
