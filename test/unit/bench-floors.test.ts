import { describe, expect, it } from 'vitest';
import { REFERENCE_HANDLERS } from '../../bench/cold-start/bundles';
import { CLIENT_FLOOR, CONTENT_FLOOR } from '../../bench/cold-start/report';
import { FUNCTIONS } from '../../functions/function-table';

/**
 * The benchmark fails a run when a function has no cold-start floor (docs/performance.md), but
 * nothing else runs it: this holds the tables to the function table in `npm test`, so a new
 * function cannot arrive without one.
 */
describe('the cold-start floors of the benchmark', () => {
  /** Functions that ship sharp beside their bundle are measured with the transform method instead. */
  const measured = Object.entries(FUNCTIONS)
    .filter(([, definition]) => !('bundling' in definition && definition.bundling === 'sharp'))
    .map(([name]) => name);

  it('name every measured function in exactly one table', () => {
    const unnamed = measured.filter((name) => (name in CLIENT_FLOOR ? 1 : 0) + (name in CONTENT_FLOOR ? 1 : 0) !== 1);
    expect(unnamed).toEqual([]);
  });

  it('name only functions of the table', () => {
    expect([...Object.keys(CLIENT_FLOOR), ...Object.keys(CONTENT_FLOOR)].filter((name) => !measured.includes(name))).toEqual([]);
  });

  it('name only reference bundles the benchmark builds', () => {
    const floors = [...Object.values(CLIENT_FLOOR), ...Object.values(CONTENT_FLOOR)];
    expect(floors.filter((floor) => floor === undefined || !(floor in REFERENCE_HANDLERS))).toEqual([]);
  });
});
