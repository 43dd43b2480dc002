import { parseConfigText } from '../../../../coordinator/config/load-config.js';
import { ConfigError } from '../../../../shared/config/config-error.js';

/** A minimal valid coordinator config (one node, plaintext agents) to append settings to. */
export const MINIMAL_CONFIG = `
nodes:
  - name: 10.0.0.1
    agent: 10.0.0.1:7443
agents: { insecurePlaintext: true }
`;

/** The problems a config text is refused with (field path and message); throws when it is accepted. */
export function configProblems(text: string): { path: string; message: string }[] {
  try {
    parseConfigText(text, '/etc/noderoll/config.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => ({ path: p.field, message: p.problem }));
    throw err;
  }
  throw new Error('config was accepted');
}
