import { createRequire } from 'node:module';

/**
 * dynalite 4.0 ends the LevelDB iterators behind Query and Scan with `iterator.return()`, which
 * abstract-level 3 iterators do not have (they have `close()`). So every Query and Scan left its
 * iterator open in the database's resource set, with its read-ahead buffer: local mode's memory
 * grew with every list request (found by `npm run load`; docs/security-and-reliability.md). Give the iterators the
 * `return()` dynalite calls. Emulator only; nothing here runs on AWS.
 */
type IteratorClass = { prototype: { close(): Promise<void>; return?: () => Promise<void> } };

const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const level = fromDynalite('abstract-level') as Record<string, IteratorClass | undefined>;
for (const name of ['AbstractIterator', 'AbstractKeyIterator', 'AbstractValueIterator']) {
  const prototype = level[name]?.prototype;
  if (prototype && typeof prototype.return !== 'function') {
    prototype.return = function (this: { close(): Promise<void> }) {
      return this.close();
    };
  }
}
