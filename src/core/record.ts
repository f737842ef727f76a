/**
 * Objects for YAML mappings and tags. Their prototype chain has no
 * Object.prototype (so `__proto__`, `constructor` or `toString` are ordinary keys,
 * and nothing can be polluted), yet V8 keeps them in fast mode with hidden
 * classes, unlike Object.create(null), which makes dictionaries: three to five
 * times slower to build and read at a million devices.
 */
// A function, not a class: its prototype must be replaced.
function Bare(this: object) {}
Bare.prototype = Object.freeze(Object.create(null));

export function record<T = unknown>(): Record<string, T> {
  return new (Bare as unknown as new () => Record<string, T>)();
}

/** True for a record, or a null-prototype object: a mapping from YAML. */
export const isBare = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Bare.prototype;
};
