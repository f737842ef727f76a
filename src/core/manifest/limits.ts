/**
 * IoT Hub limits that would only bite after merge, when the hub rejects the
 * configuration: warned about at validation time, on the line that causes them.
 */
import { warning, type Diagnostic } from '../diagnostics.js';
import type { Deployment } from '../model.js';
import { canonicalJson, utf8Length } from './canonical.js';
import { createOptionsString, CREATE_OPTIONS_CHUNK, MAX_CREATE_OPTIONS_CHUNKS, renderModulesContent } from './render.js';
import { isMapping } from '../collections.js';

export const MAX_MODULES = 50;
export const MAX_EDGE_AGENT_DESIRED_BYTES = 32 * 1024;
export const MAX_PROPERTY_VALUE_BYTES = 4 * 1024;

type Json = Record<string, unknown>;
const MODULES_PATH = ['content', 'modulesContent', '$edgeAgent', 'properties.desired'];

export function checkManifestLimits(deployment: Deployment): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const file = deployment.file;
  const agent = deployment.modulesContent.$edgeAgent;
  const desired = isMapping(agent) && isMapping(agent['properties.desired']) ? agent['properties.desired'] : undefined;
  const modules = desired && isMapping(desired.modules) ? desired.modules : {};
  const moduleCount = Object.keys(modules).length;
  if (moduleCount > MAX_MODULES) {
    diagnostics.push(
      warning(
        'deployment/too-many-modules',
        `deployment has ${moduleCount} modules; IoT Edge supports at most ${MAX_MODULES} per device: split the workload across devices`,
        { file, path: [...MODULES_PATH, 'modules'], key: true },
      ),
    );
  }
  if (desired) {
    const rendered = renderModulesContent(deployment.modulesContent).$edgeAgent as Json;
    const size = utf8Length(canonicalJson(rendered['properties.desired']));
    if (size > MAX_EDGE_AGENT_DESIRED_BYTES) {
      diagnostics.push(
        warning(
          'deployment/edge-agent-too-large',
          `the rendered $edgeAgent desired properties are ${size} bytes; IoT Hub accepts at most ${MAX_EDGE_AGENT_DESIRED_BYTES}: move settings into module twins or shorten createOptions`,
          { file, path: MODULES_PATH, key: true },
        ),
      );
    }
    for (const group of ['systemModules', 'modules']) {
      const list = isMapping(desired[group]) ? (desired[group] as Json) : {};
      for (const [name, module] of Object.entries(list)) {
        const settings = isMapping(module) && isMapping(module.settings) ? module.settings : undefined;
        if (!settings || !('createOptions' in settings)) continue;
        const length = createOptionsString(settings.createOptions).length;
        if (length > CREATE_OPTIONS_CHUNK * MAX_CREATE_OPTIONS_CHUNKS) {
          diagnostics.push(
            warning(
              'deployment/value-too-large',
              `createOptions of module ${name} renders to ${length} characters; the IoT Edge agent reads at most ${MAX_CREATE_OPTIONS_CHUNKS} chunks of ${CREATE_OPTIONS_CHUNK} (${CREATE_OPTIONS_CHUNK * MAX_CREATE_OPTIONS_CHUNKS})`,
              { file, path: [...MODULES_PATH, group, name, 'settings', 'createOptions'], key: true },
            ),
          );
        }
      }
    }
  }
  // Any other single string value over the twin limit (createOptions is chunked, so it is exempt).
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === 'string') {
      const bytes = utf8Length(value);
      if (bytes > MAX_PROPERTY_VALUE_BYTES && path[path.length - 1] !== 'createOptions') {
        diagnostics.push(
          warning(
            'deployment/value-too-large',
            `this value is ${bytes} bytes; IoT Hub accepts string property values of at most ${MAX_PROPERTY_VALUE_BYTES} bytes`,
            { file, path },
          ),
        );
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, i]));
    } else if (isMapping(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(deployment.modulesContent, ['content', 'modulesContent']);
  return diagnostics;
}
