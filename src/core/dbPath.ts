/** One id segment; nothing that could mean another path, a query or an encoding trick (`.`, `/`, `%`, `?`, `#`). */
const ID = '[A-Za-z0-9_-]{1,128}';
const SAFE_ID = new RegExp(`^${ID}$`);
const DB_PATH = new RegExp(`^/(${ID})/(${ID})\\.json$`);

/** True for a gate or subscription id that can be put into a `logup:` path as it is. */
export function isSafeId(id: string): boolean {
  return SAFE_ID.test(id);
}

/** The `logup:` URI path of a subscription's DB, e.g. `/gate_x/sub_alpha.json`; throws on an unsafe id. */
export function dbPath(idGate: string, idSubscription: string): string {
  for (const [what, id] of [['gate', idGate], ['subscription', idSubscription]] as const) {
    if (!isSafeId(id)) {
      const shown = id.length > 40 ? `${id.slice(0, 40)}…` : id;
      throw new Error(`Unsafe ${what} id ${JSON.stringify(shown)}: ids are 1 to 128 letters, digits, "_" or "-".`);
    }
  }
  return `/${idGate}/${idSubscription}.json`;
}

/** The ids in a `logup:` URI path, or undefined when the path is not exactly one DB file. */
export function parseDbPath(path: string): { idGate: string; idSubscription: string } | undefined {
  const match = DB_PATH.exec(path);
  if (match === null) return undefined;
  const [, idGate, idSubscription] = match;
  if (idGate === undefined || idSubscription === undefined) return undefined;
  return { idGate, idSubscription };
}
