import { describe, expect, it } from 'vitest';
import { and3, compileCondition, explainCondition, FALSE, not3, or3, parseCondition, TRUE, UNKNOWN, type Truth } from '../src/core/condition/index.js';
import type { Tags } from '../src/core/model.js';

const tags = (t: Record<string, unknown>): Tags => Object.assign(Object.create(null), t) as Tags;
const evaluate = (condition: string, deviceTags: Record<string, unknown>, deviceId = 'd1'): Truth => {
  const parsed = parseCondition(condition);
  expect(parsed.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return compileCondition(parsed.expr!)({ deviceId, tags: tags(deviceTags) });
};
const firstError = (condition: string) => parseCondition(condition).problems.find((p) => p.severity === 'error');

describe('three-valued logic', () => {
  const T = TRUE;
  const F = FALSE;
  const U = UNKNOWN;
  it.each([
    [T, T, T],
    [T, F, F],
    [T, U, U],
    [F, T, F],
    [F, F, F],
    [F, U, F],
    [U, T, U],
    [U, F, F],
    [U, U, U],
  ] as const)('AND(%i, %i) = %i', (a, b, r) => expect(and3(a, b)).toBe(r));
  it.each([
    [T, T, T],
    [T, F, T],
    [T, U, T],
    [F, T, T],
    [F, F, F],
    [F, U, U],
    [U, T, T],
    [U, F, U],
    [U, U, U],
  ] as const)('OR(%i, %i) = %i', (a, b, r) => expect(or3(a, b)).toBe(r));
  it.each([
    [T, F],
    [F, T],
    [U, U],
  ] as const)('NOT(%i) = %i', (a, r) => expect(not3(a)).toBe(r));

  it('evaluates connectives over unknown comparisons, as written', () => {
    const device = { environment: 'prod' };
    expect(evaluate("tags.ring = '0'", device)).toBe(UNKNOWN);
    expect(evaluate("NOT tags.ring = '0'", device)).toBe(UNKNOWN);
    expect(evaluate("tags.environment = 'test' AND tags.ring = '0'", device)).toBe(FALSE);
    expect(evaluate("tags.environment = 'prod' OR tags.ring = '0'", device)).toBe(TRUE);
    expect(evaluate("tags.environment = 'prod' AND tags.ring = '0'", device)).toBe(UNKNOWN);
    expect(evaluate("NOT IS_DEFINED(tags.ring) OR NOT tags.ring = '0'", device)).toBe(TRUE);
  });
});

describe('comparisons', () => {
  it.each([
    ["tags.a = 'x'", { a: 'x' }, TRUE],
    ["tags.a = 'X'", { a: 'x' }, FALSE],
    ["tags.a != 'x'", { a: 'y' }, TRUE],
    ["tags.a <> 'x'", { a: 'x' }, FALSE],
    ["tags.a != 'x'", {}, UNKNOWN],
    ['tags.n = 9', { n: 9 }, TRUE],
    ['tags.n = 9.0', { n: 9 }, TRUE],
    ["tags.n = '9'", { n: 9 }, UNKNOWN],
    ['tags.n = 9', { n: '9' }, UNKNOWN],
    ['tags.n > 2', { n: 10 }, TRUE],
    ["tags.s > '2'", { s: '10' }, FALSE],
    ["tags.s < 'b'", { s: 'B' }, TRUE],
    ['tags.n >= -1.5', { n: -1.5 }, TRUE],
    ['tags.n <= 1e3', { n: 1000 }, TRUE],
    ['tags.b = true', { b: true }, TRUE],
    ['tags.b = false', { b: true }, FALSE],
    ['tags.b > false', { b: true }, UNKNOWN],
    ["tags.b = 'true'", { b: true }, UNKNOWN],
    ["tags.site = 'x'", { site: { building: 9 } }, UNKNOWN],
    ['tags.site.building = 9', { site: { building: 9 } }, TRUE],
    ["tags.Environment = 'prod'", { environment: 'prod' }, TRUE],
    ["TAGS.ENVIRONMENT = 'prod'", { Environment: 'prod' }, TRUE],
    ["'prod' = tags.e", { e: 'prod' }, TRUE],
    ['3 < tags.n', { n: 4 }, TRUE],
    ["tags.r IN ['0', '1']", { r: '1' }, TRUE],
    ["tags.r IN ['0', '1']", { r: '2' }, FALSE],
    ["tags.r IN ['0', '1']", { r: 1 }, UNKNOWN],
    ["tags.r IN ['1', 1]", { r: 1 }, TRUE],
    ["tags.r NIN ['0', '1']", { r: '2' }, TRUE],
    ["tags.r NIN ['0', '1']", { r: '0' }, FALSE],
    ["tags.r NIN ['0', '1']", {}, UNKNOWN],
    ['IS_DEFINED(tags.r)', { r: 0 }, TRUE],
    ['is_defined(tags.R)', {}, FALSE],
    ['NOT IS_DEFINED(tags.r)', {}, TRUE],
    ['IS_DEFINED(tags.site)', { site: { b: 1 } }, TRUE],
    ["tags.a = ''", { a: '' }, TRUE],
    ["tags.a = 'x' and not tags.b = 'y'", { a: 'x', b: 'z' }, TRUE],
    ['*', {}, TRUE],
  ] as const)('%s on %j is %i', (condition, device, expected) => {
    expect(evaluate(condition, device)).toBe(expected);
  });

  it('compares deviceId case-sensitively and unescapes doubled quotes', () => {
    expect(evaluate("deviceId = 'operator''sDevice'", {}, "operator'sDevice")).toBe(TRUE);
    expect(evaluate("DEVICEID = 'D1'", {}, 'd1')).toBe(FALSE);
    expect(evaluate('IS_DEFINED(deviceId)', {}, 'd1')).toBe(TRUE);
  });

  it('orders strings by UTF-16 code unit, not locale', () => {
    expect(evaluate("tags.s < 'a'", { s: 'Z' })).toBe(TRUE);
    expect(evaluate("tags.s < 'a'", { s: 'ä' })).toBe(FALSE);
  });

  it("reads 'A NOT B' as 'A AND NOT B' with a warning at the NOT", () => {
    const parsed = parseCondition("tags.a = 'x' NOT tags.b = 'y'");
    expect(parsed.problems).toEqual([expect.objectContaining({ severity: 'warning', code: 'condition/a-not-b', index: 13 })]);
    const run = (t: Record<string, unknown>) => compileCondition(parsed.expr!)({ deviceId: 'd', tags: tags(t) });
    expect(run({ a: 'x', b: 'z' })).toBe(TRUE);
    expect(run({ a: 'x', b: 'y' })).toBe(FALSE);
  });

  it('binds AND tighter than OR', () => {
    expect(evaluate('tags.a = 1 OR tags.b = 1 AND tags.c = 1', { a: 1, b: 0, c: 0 })).toBe(TRUE);
    expect(evaluate('(tags.a = 1 OR tags.b = 1) AND tags.c = 1', { a: 1, b: 0, c: 0 })).toBe(FALSE);
  });
});

describe('syntax errors carry the index of the offending token', () => {
  it.each([
    ['tags.environment = "prod"', 'condition/double-quote', 19],
    ["tags.location = 'new york'", 'condition/invalid-character', 20],
    ["tags.a = 'x&y'", 'condition/invalid-character', 11],
    ["tags.a = 'open", 'condition/unterminated-string', 9],
    ["properties.reported.devicemodel = '4000x'", 'condition/invalid-property', 0],
    ["properties.desired.x = 'a'", 'condition/invalid-property', 0],
    ["environment = 'prod'", 'condition/invalid-property', 0],
    ["tags = 'x'", 'condition/invalid-property', 0],
    ["tags.1a = 'x'", 'condition/invalid-property', 5],
    ["tags.a..b = 'x'", 'condition/invalid-property', 7],
    ["tags.a = 'x' AND", 'condition/unexpected-end', 16],
    ["tags.a = 'x' tags.b = 'y'", 'condition/unexpected-token', 13],
    ['tags.a IN []', 'condition/empty-list', 11],
    ["tags.a NIN ['x' 'y']", 'condition/unexpected-token', 16],
    ["(tags.a = 'x'", 'condition/unexpected-end', 13],
    ["tags.a = 'x')", 'condition/unexpected-token', 12],
    ['tags.a = prod', 'condition/unexpected-token', 9],
    ["tags.a == 'x'", 'condition/unexpected-token', 8],
    ["tags.a ! 'x'", 'condition/invalid-character', 7],
    ["* AND tags.a = 'x'", 'condition/unexpected-token', 2],
    ["tags.a = 'x' OR *", 'condition/unexpected-token', 16],
    ['tags.a = 12abc', 'condition/invalid-character', 11],
    ["tags.a = 'x' ; tags.b = 'y'", 'condition/invalid-character', 13],
    ['IS_DEFINED tags.a', 'condition/unexpected-token', 11],
    ["tags.a = 'x' AND AND tags.b = 'y'", 'condition/unexpected-token', 17],
  ])('%s → %s at %i', (condition, code, index) => {
    expect(firstError(condition)).toMatchObject({ code, index });
  });

  it('names the character IoT Hub does not allow', () => {
    expect(firstError("tags.location = 'new york'")!.message).toMatch(/^a space is not allowed/);
    expect(firstError("tags.a = 'é'")!.message).toContain('U+00E9');
  });

  it('says why properties.reported cannot be used', () => {
    expect(firstError("properties.reported.x = 'a'")!.message).toMatch(/deviceId and tags/);
  });

  it('accepts 8192 characters and rejects 8193', () => {
    const clause = "tags.a = 'x' OR ";
    const long = (n: number) => {
      let s = '';
      while (s.length + clause.length + 12 <= n) s += clause;
      return (s + "tags.a = 'x'").padEnd(n, ' ');
    };
    expect(firstError(long(8192))).toBeUndefined();
    expect(firstError(long(8193))).toMatchObject({ code: 'condition/too-long' });
  });

  it('rejects absurd nesting instead of overflowing the stack', () => {
    expect(firstError('('.repeat(4000) + "tags.a = 'x'" + ')'.repeat(4000))?.message).toMatch(/nested/);
    expect(firstError('NOT '.repeat(2000) + "tags.a = 'x'")?.message).toMatch(/nested/);
  });

  it('warns on an empty condition', () => {
    expect(parseCondition('  ').problems).toEqual([expect.objectContaining({ severity: 'warning', code: 'condition/empty' })]);
  });
});

describe('explain', () => {
  it('gives each clause its truth and the reason', () => {
    const text = "tags.environment = 'prod' AND tags.ring = '0'";
    const { expr } = parseCondition(text);
    const result = explainCondition(text, expr!, { deviceId: 'd', tags: tags({ environment: 'prod', ring: 0 }) });
    expect(result.result).toBe('unknown');
    expect(result.clauses.map((c) => [c.text, c.result])).toEqual([
      ["tags.environment = 'prod'", 'true'],
      ["tags.ring = '0'", 'unknown'],
    ]);
    expect(result.clauses[1].reason).toMatch(/number.*string.*different types/);
    const missing = explainCondition(text, expr!, { deviceId: 'd', tags: tags({}) });
    expect(missing.clauses[0].reason).toBe('tags.environment is not defined, so the comparison is unknown');
  });
});

describe('every example of DESIGN §2', () => {
  const device = { environment: 'prod', location: 'westus', site: { building: 9 }, ring: '1', a: 'x', b: 'z' };
  it.each([
    ["tags.environment = 'prod'", TRUE],
    ['tags.site.building = 9', TRUE],
    ["tags.a = 'x' AND NOT (tags.b = 'y' OR deviceId = 'd1')", FALSE],
    ["tags.a = 'x' AND NOT (tags.b = 'y' OR deviceId = 'd2')", TRUE],
    ['IS_DEFINED(tags.ring)', TRUE],
    ["tags.ring IN ['0', '1']", TRUE],
    ['*', TRUE],
    ["deviceId = 'operator''sDevice'", FALSE],
    ["tags.environment = 'prod' AND tags.location = 'westus'", TRUE],
    ["NOT tags.ring = '0'", TRUE],
    ["NOT IS_DEFINED(tags.ring) OR NOT tags.ring = '0'", TRUE],
  ] as const)('%s', (condition, expected) => {
    expect(evaluate(condition, device, 'd1')).toBe(expected);
  });

  it('the documentation example with A NOT B', () => {
    const condition = "tags.operator = 'John' AND tags.environment = 'prod' NOT deviceId = 'linuxprod1'";
    expect(parseCondition(condition).problems.map((p) => p.code)).toEqual(['condition/a-not-b']);
    const run = (id: string) => compileCondition(parseCondition(condition).expr!)({ deviceId: id, tags: tags({ operator: 'John', environment: 'prod' }) });
    expect(run('linuxprod1')).toBe(FALSE);
    expect(run('linuxprod2')).toBe(TRUE);
  });
});
