import { rollingUpdateSuite } from './rolling-update-suite.js';

rollingUpdateSuite('kubernetes');
