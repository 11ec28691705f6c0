/**
 * Module resolve hook: inside openapi-typescript, `typescript` is TypeScript 5 (the
 * `typescript-5` alias). openapi-typescript prints its output with the TypeScript compiler API,
 * which TypeScript 7 (the project's compiler, a native binary) no longer ships.
 */
export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'typescript' && context.parentURL?.includes('/node_modules/openapi-typescript/')) {
    return nextResolve('typescript-5', context);
  }
  return nextResolve(specifier, context);
}
