/** Hints where operators actually slip (issue #11, points 13 and 14): one mistake, one diagnostic, with the fix. */
import { describe, expect, it } from 'vitest';
import { fleetYaml, load, MINIMAL_CONTENT } from './helpers.js';

const fleet = fleetYaml([
  { deviceId: 'd1', tags: { environment: 'prod', ring: 0 } },
  { deviceId: 'd2', tags: { environment: 'prod', ring: 1 } },
]);

async function problems(conditionLine: string, content = MINIMAL_CONTENT) {
  const loaded = await load({ 'deployments/a.yaml': `priority: 1\ncreatedAt: 2026-01-01T00:00:00Z\n${conditionLine}\n${content}`, 'fleet/f.yaml': fleet });
  return loaded.diagnostics.map((d) => ({ severity: d.severity, code: d.code, line: d.line, message: d.message }));
}

describe('YAML that is read as something else', () => {
  it.each([
    ['targetCondition: *', /quote it, targetCondition: '\*'/],
    ["targetCondition: tags.environment: 'prod'", /as a mapping .* targetCondition: tags.environment = 'prod'/],
    ["targetCondition: !tags.environment = 'prod'", /leading ! as a tag.*NOT/],
  ])('%s → one error that says the fix', async (line, message) => {
    const found = await problems(line);
    expect(found).toEqual([expect.objectContaining({ severity: 'error', line: 3, message: expect.stringMatching(message) })]);
  });

  it('an unquoted schemaVersion: 1.1 says to quote it', async () => {
    const found = await problems("targetCondition: '*'", MINIMAL_CONTENT.replace('schemaVersion: "1.1"', 'schemaVersion: 1.1'));
    expect(found).toEqual([expect.objectContaining({ code: 'schema/invalid', message: expect.stringMatching(/quote it, schemaVersion: "1.1"/) })]);
  });
});

describe('condition hints', () => {
  const one = async (condition: string) => (await problems(`targetCondition: "${condition}"`)).filter((d) => d.code !== 'deployment/targets-nothing');

  it.each([
    ["tags.environment = 'prod' && tags.ring = 0", /'&&' is not a condition operator: write AND/],
    ["tags.environment = 'prod' || tags.ring = 0", /'\|\|' is not a condition operator: write OR/],
    ["tags.environment == 'prod'", /'==' is not an operator here: equality is a single =/],
    ["CONTAINS(tags.environment, 'p')", /functions are not supported in deployment conditions/],
    ['tags.CONTAINS(x)', /functions are not supported in deployment conditions/],
    ["tag.environment = 'prod'", /did you mean tags\.environment\?/],
    ["environment = 'prod'", /did you mean tags\.environment\?/],
  ])('%s', async (condition, message) => {
    const found = await one(condition);
    expect(found).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(message) })]);
    expect(found[0].message).not.toMatch(/tags\.tag\.|tags\.CONTAINS/);
  });

  it('strings against a number tag: write IN [0, 1]', async () => {
    expect(await one("tags.ring IN ['0', '1']")).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'condition/type-mismatch',
        message: expect.stringMatching(/compares strings with a number tag.*write IN \[0, 1\]/),
      }),
    ]);
  });

  it("values are case-sensitive: did you mean 'prod'?", async () => {
    expect(await one("tags.environment = 'PROD'")).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'condition/case-mismatch',
        message: expect.stringMatching(/values are case-sensitive; did you mean 'prod'\?/),
      }),
    ]);
  });

  it('a value that matches is not warned', async () => {
    expect(await one("tags.environment = 'prod' AND tags.ring IN [0, 1]")).toEqual([]);
  });
});
