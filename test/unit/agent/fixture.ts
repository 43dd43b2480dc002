import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../shared/agent-api/codegen.js';

/** A fixture file of test/unit/agent/fixtures (read from the source tree, not dist/). */
export function fixture(name: string): string {
  return readFileSync(join(projectRoot, 'test/unit/agent/fixtures', name), 'utf8');
}
