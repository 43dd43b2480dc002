// mocha's settings for `npm test` and `scripts/dev test`. With NODEROLL_TEST_SHARD=labs or =rest, one of
// two halves of the suite runs: scripts/dev test runs both at once (see test/shards.cjs for why and how
// they are split). Without it, the whole suite runs in one process.
const { LAB_SHARD } = require('./test/shards.cjs');

const ALL = 'dist/test/**/*.test.js';
const shard = process.env.NODEROLL_TEST_SHARD;
if (shard !== undefined && shard !== 'labs' && shard !== 'rest') throw new Error(`NODEROLL_TEST_SHARD: "${shard}" is not labs or rest`);

module.exports = {
  spec: shard === 'labs' ? LAB_SHARD : [ALL],
  ...(shard === 'rest' ? { ignore: LAB_SHARD } : {}),
  require: ['dist/test/support/open-handles.js'],
  timeout: 120000,
  reporter: 'spec',
};
