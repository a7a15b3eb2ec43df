'use strict';
// The compiled addon; its TypeScript face, with what it offers, is plugd's core/channel/shm.ts.
module.exports = require('./build/Release/sab_shm.node');
