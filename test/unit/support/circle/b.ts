import { a } from './a';

/** The other half of the deliberate circle (see a.ts). */
export const b = (): number => (a.length > 0 ? 0 : 1);
