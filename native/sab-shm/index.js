'use strict';
// The compiled addon; see index.d.ts for what it offers.
module.exports = require('./build/Release/sab_shm.node');
