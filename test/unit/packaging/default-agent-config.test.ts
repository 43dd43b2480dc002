import { expect } from 'chai';
import { parse } from 'yaml';
import { DEFAULT_CONFIG_DOC, parseAgentConfig } from '../../../agent/config/agent-config.js';
import { defaultAgentYaml } from '../../../packaging/default-agent-config.js';

/** The packaged /etc/noderoll/agent.yaml against the agent's real defaults. */

/** The file with every commented-out setting uncommented (the header stays a comment). */
function uncommented(text: string): string {
  const lines = text.split('\n');
  const bodyStart = lines.indexOf('#') + 1;
  return [...lines.slice(0, bodyStart), ...lines.slice(bodyStart).map((l) => l.replace(/^#/, ''))].join('\n');
}

describe('packaged agent.yaml (packaging/default-agent-config.ts)', () => {
  it('as shipped, every line is a comment: the agent runs on its built-in defaults', () => {
    const text = defaultAgentYaml();
    expect(text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).to.deep.equal([]);
    expect(parseAgentConfig(text, 'agent.yaml')).to.deep.equal(parseAgentConfig('', 'defaults'));
  });

  it('uncommented, it holds exactly the agent defaults (DEFAULT_CONFIG_DOC) and configures the same agent', () => {
    const text = uncommented(defaultAgentYaml());
    const { shutdownGraceMs: _followsInstallTimeout, ...operations } = DEFAULT_CONFIG_DOC.operations;
    const { lockWaitMs: _atMostHalfTheInstall, ...install } = DEFAULT_CONFIG_DOC.install;
    expect(parse(text)).to.deep.equal({ ...DEFAULT_CONFIG_DOC, install, operations });
    expect(parseAgentConfig(text, 'agent.yaml')).to.deep.equal(parseAgentConfig('', 'defaults'));
  });

  it('leaves operations.shutdownGraceMs unset with a comment: unset it follows install.timeoutMs', () => {
    const text = defaultAgentYaml();
    expect(text).to.match(/^#operations:\n# {2}# shutdownGraceMs: unset = install\.timeoutMs/m);
    const body = uncommented(text);
    expect(body.split('\n').filter((l) => l === '  timeoutMs: 1800000')).to.have.length(1);
    const config = parseAgentConfig(body.replace('  timeoutMs: 1800000', '  timeoutMs: 60000'), 'agent.yaml');
    expect(config.operations.shutdownGraceMs).to.equal(60_000);
    // install.lockWaitMs is left unset the same way: it shrinks to half of a short install.timeoutMs
    expect(text).to.match(/^#install:\n# {2}# lockWaitMs: unset = 300000, at most half of install\.timeoutMs/m);
    expect(config.install.lockWaitMs).to.equal(30_000);
  });
});
