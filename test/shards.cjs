// The two halves `scripts/dev test` runs at once on CI's 2 cores. Most of a lab suite's time is spent
// waiting for nspawn nodes to reboot, so two run side by side in about the time of the longer one.
// "labs" holds the longest lab suites (about half of the suite's time); "rest" is every other test
// file, so a new test file always runs somewhere.
module.exports.LAB_SHARD = [
  'dist/test/e2e/rolling-update-file.lab.test.js',
  'dist/test/e2e/onboarding.lab.test.js',
  'dist/test/e2e/k3s-profile.lab.test.js',
  'dist/test/e2e/kubeadm-profile.lab.test.js',
  'dist/test/e2e/k3s-sqlite.lab.test.js',
  'dist/test/lab/long-reboot.lab.test.js',
];
