import { b } from './b';

/** Half of a deliberate import circle: test/unit/house.test.ts proves its check finds it. */
export const a = (): number => b() + 1;
