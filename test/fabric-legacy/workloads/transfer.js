'use strict';
// A Caliper v0.1 callback module in the seed's style: each call moves money between two accounts the
// seed's open round created for this worker (acc_<worker>_<n>), a fresh pair every time, so no two
// transfers touch the same key and none conflicts.

let bc, ctx, worker, counter = 0;

module.exports.init = function (blockchain, context) {
  bc = blockchain;
  ctx = context;
  worker = context.workerIndex;
  return Promise.resolve();
};

module.exports.run = function () {
  const from = `acc_${worker}_${counter++}`;
  const to = `acc_${worker}_${counter++}`;
  return bc.invokeSmartContract(ctx, 'simple', 'v0', { chaincodeFunction: 'transfer', chaincodeArguments: [from, to, '1'] }, 30);
};

module.exports.end = function () {
  return Promise.resolve();
};
