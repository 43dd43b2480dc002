// The two halves `scripts/dev test` runs at once on CI's 2 cores. Most of a lab suite's time is spent
// waiting for nspawn nodes to reboot, so two run side by side in about the time of the longer one.
// "labs" holds the longest lab suites (about half of the suite's time); "rest" is every other test
// file, so a new test file always runs somewhere. Balanced by the per-test times of a CI log: when one half
// ends minutes before the other, move a lab suite across (the long-reboot suite went to "rest" once the
// Kubernetes state store stopped spending a kubectl process per read and write: 2,461 s labs, 2,655 s rest
// with the k3s SQLite suite there too).
module.exports.LAB_SHARD = [
  'dist/test/e2e/rolling-update-file.lab.test.js',
  'dist/test/e2e/onboarding.lab.test.js',
  'dist/test/e2e/k3s-profile.lab.test.js',
  'dist/test/e2e/kubeadm-profile.lab.test.js',
  'dist/test/e2e/k3s-sqlite.lab.test.js',
];
