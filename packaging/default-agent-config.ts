import { stringify } from 'yaml';
import { DEFAULT_CONFIG_DOC } from '../agent/config/agent-config.js';

/**
 * The commented agent.yaml of the packages (/usr/share/noderoll-agent/agent.yaml, copied to
 * /etc/noderoll/agent.yaml when that is absent): every default of agent/config/agent-config.ts
 * (DEFAULT_CONFIG_DOC), commented out, so the file documents the settings and changes nothing until
 * a line is uncommented. Generated at package time, so it cannot drift from the agent's defaults
 * (test/unit/packaging/default-agent-config.test.ts parses it back).
 */

const HEADER = `# noderoll-agent configuration. The package writes this file only when there is none, and
# upgrades never change it; the packaged defaults stay in /usr/share/noderoll-agent/agent.yaml.
# Every line below is the agent's built-in default, commented out; uncomment and change what this
# node needs. Check the file and the TLS files with:
#   noderoll-agent --config /etc/noderoll/agent.yaml --check-config
# then start the agent: systemctl enable --now noderoll-agent
# TLS: put ca.crt, agent.crt and agent.key (mode 0600) in /etc/noderoll/tls/
# (issued by \`noderoll certs issue --role agent\` or written per node by \`noderoll init\`).
#
`;

/** The defaults as YAML (not commented): what uncommenting the whole file would configure. */
export function defaultAgentYamlBody(): string {
  // shutdownGraceMs and install.lockWaitMs are left out: unset, they follow install.timeoutMs (a fixed value would not).
  const { shutdownGraceMs: _followsInstallTimeout, ...operations } = DEFAULT_CONFIG_DOC.operations;
  const { lockWaitMs: _atMostHalfTheInstall, ...install } = DEFAULT_CONFIG_DOC.install;
  return stringify({ ...DEFAULT_CONFIG_DOC, install, operations }, { lineWidth: 0 });
}

export function defaultAgentYaml(): string {
  const commented = defaultAgentYamlBody()
    .trimEnd()
    .split('\n')
    .map((line) => `#${line}`);
  const afterOperations = commented.findIndex((l) => l === '#operations:');
  commented.splice(afterOperations + 1, 0, '#  # shutdownGraceMs: unset = install.timeoutMs (how long a stop waits for a running install)');
  const afterInstall = commented.findIndex((l) => l === '#install:');
  commented.splice(afterInstall + 1, 0, "#  # lockWaitMs: unset = 300000, at most half of install.timeoutMs (apt-get's wait for a dpkg lock another apt run holds)");
  return `${HEADER}${commented.join('\n')}\n`;
}
