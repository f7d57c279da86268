/**
 * `text` as one flat string. A string built by `+` or a template is a rope, one node per piece;
 * an order's body or key held until its batch commits is copied by every young-generation GC on
 * the way, node by node. Reading a character makes V8 flatten the rope in place (one copy, and
 * the pieces die young): a 100,000-row backfill promoted a third to a half fewer bytes.
 */
export function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}
