/**
 * The connector and the real fabric-gateway client against a small scripted Gateway gRPC server on
 * 127.0.0.1: each test says how the server answers (errors with Fabric's error details, validation
 * codes, silence), and the server checks every signature it receives. This pins down the error
 * classification and the signing path without depending on the embedded network.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import { webcrypto, X509Certificate, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, Server, type ServerCredentials, ServerCredentials as SC, status } from '@grpc/grpc-js';
import { common, gateway, google, msp, peer } from '@hyperledger/fabric-protos';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Connector } from '../../src/connectors/types.ts';
import { createFabricGatewayConnector } from '../../src/connectors/fabric-gateway/index.ts';

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function certificate(
  cn: string,
  keys: CryptoKeyPair,
  issuer?: { name: string; keys: CryptoKeyPair },
  extensions: x509.Extension[] = [],
): Promise<string> {
  const common = {
    serialNumber: Date.now().toString(16),
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: alg,
    extensions,
  };
  const cert = issuer
    ? await x509.X509CertificateGenerator.create(
        { ...common, subject: `CN=${cn}`, issuer: issuer.name, publicKey: keys.publicKey, signingKey: issuer.keys.privateKey },
        webcrypto as Crypto,
      )
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: `CN=${cn}`, keys }, webcrypto as Crypto);
  return cert.toString('pem');
}

type Answer =
  | { kind: 'ok'; result?: string }
  | { kind: 'error'; code: status; message: string; details?: Array<{ address: string; mspId: string; message: string }> }
  | { kind: 'hang' };

interface Script {
  endorse: Answer;
  submit: Answer;
  commit: Answer | { kind: 'code'; code: number };
  evaluate: Answer;
}

const defaultScript = (): Script => ({
  endorse: { kind: 'ok', result: 'endorsed' },
  submit: { kind: 'ok' },
  commit: { kind: 'code', code: peer.TxValidationCode.VALID },
  evaluate: { kind: 'ok', result: 'evaluated' },
});

/** What the server saw. */
const seen = {
  signatures: 0,
  badSignatures: 0,
  highS: 0,
  functions: [] as string[],
  channels: [] as string[],
  endorsingOrgs: [] as string[][],
  transientKeys: [] as string[][],
};
let script: Script = defaultScript();
const hanging: Array<() => void> = [];
/** Proposal creator by transaction id, to check the signature of the submitted envelope. */
const creators = new Map<string, Uint8Array>();

function checkSignature(creator: Uint8Array, message: Uint8Array, signature: Uint8Array): void {
  seen.signatures++;
  const pem = Buffer.from(msp.SerializedIdentity.deserializeBinary(creator).getIdBytes_asU8()).toString();
  const key = new X509Certificate(pem).publicKey;
  if (!verify('sha256', message, { key, dsaEncoding: 'der' }, signature)) seen.badSignatures++;
  // s is the second DER integer.
  const rLen = signature[3];
  const sLen = signature[5 + rLen];
  const s = BigInt(`0x${Buffer.from(signature.subarray(6 + rLen, 6 + rLen + sLen)).toString('hex')}`);
  if (s > N / 2n) seen.highS++;
}

function creatorOfProposal(proposalBytes: Uint8Array): Uint8Array {
  const proposal = peer.Proposal.deserializeBinary(proposalBytes);
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  return common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()).getCreator_asU8();
}

function functionOfProposal(proposalBytes: Uint8Array): string {
  const proposal = peer.Proposal.deserializeBinary(proposalBytes);
  const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
  const spec = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8());
  return Buffer.from(spec.getChaincodeSpec()?.getInput()?.getArgsList_asU8()[0] ?? []).toString();
}

function grpcError(a: Extract<Answer, { kind: 'error' }>) {
  const metadata = new Metadata();
  if (a.details) {
    const st = new google.rpc.Status();
    st.setCode(a.code);
    st.setMessage(a.message);
    for (const d of a.details) {
      const detail = new gateway.ErrorDetail();
      detail.setAddress(d.address);
      detail.setMspId(d.mspId);
      detail.setMessage(d.message);
      const any = st.addDetails();
      any.setTypeUrl('type.googleapis.com/gateway.ErrorDetail');
      any.setValue(detail.serializeBinary());
    }
    metadata.add('grpc-status-details-bin', Buffer.from(st.serializeBinary()));
  }
  return { code: a.code, details: a.message, metadata };
}

/** The prepared transaction as a Fabric gateway returns it, reduced to what the client reads. */
function preparedEnvelope(channel: string, txId: string, result: string): common.Envelope {
  const channelHeader = new common.ChannelHeader();
  channelHeader.setChannelId(channel);
  channelHeader.setTxId(txId);
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  const response = new peer.Response();
  response.setStatus(200);
  response.setPayload(Buffer.from(result));
  const action = new peer.ChaincodeAction();
  action.setResponse(response);
  const prp = new peer.ProposalResponsePayload();
  prp.setExtension$(action.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(prp.serializeBinary());
  const cap = new peer.ChaincodeActionPayload();
  cap.setAction(endorsed);
  const txAction = new peer.TransactionAction();
  txAction.setPayload(cap.serializeBinary());
  const tx = new peer.Transaction();
  tx.setActionsList([txAction]);
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(tx.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return envelope;
}

/** Runs `answer`: calls back an error, hangs until the server stops, or lets `ok` build the reply. */
function reply<T>(answer: Answer, callback: (err: unknown, value?: T) => void, ok: () => T): void {
  if (answer.kind === 'hang') {
    hanging.push(() => callback({ code: status.UNAVAILABLE, details: 'test server released the call' }));
    return;
  }
  if (answer.kind === 'error') {
    callback(grpcError(answer));
    return;
  }
  callback(null, ok());
}

const impl = {
  endorse(call: { request: gateway.EndorseRequest }, callback: (err: unknown, value?: gateway.EndorseResponse) => void) {
    const signed = call.request.getProposedTransaction();
    const bytes = signed?.getProposalBytes_asU8() ?? new Uint8Array();
    checkSignature(creatorOfProposal(bytes), bytes, signed?.getSignature_asU8() ?? new Uint8Array());
    creators.set(call.request.getTransactionId(), creatorOfProposal(bytes));
    seen.functions.push(functionOfProposal(bytes));
    seen.channels.push(call.request.getChannelId());
    seen.endorsingOrgs.push(call.request.getEndorsingOrganizationsList());
    const payload = peer.ChaincodeProposalPayload.deserializeBinary(peer.Proposal.deserializeBinary(bytes).getPayload_asU8());
    seen.transientKeys.push(payload.getTransientmapMap().getEntryList().map((entry: [string, unknown]) => entry[0]));
    const answer = script.endorse;
    reply(answer, callback, () => {
      const res = new gateway.EndorseResponse();
      const result = answer.kind === 'ok' ? (answer.result ?? '') : '';
      res.setPreparedTransaction(preparedEnvelope(call.request.getChannelId(), call.request.getTransactionId(), result));
      return res;
    });
  },
  submit(call: { request: gateway.SubmitRequest }, callback: (err: unknown, value?: gateway.SubmitResponse) => void) {
    const env = call.request.getPreparedTransaction();
    // The reduced envelope has no signature header: the signer is whoever signed the proposal.
    const creator = creators.get(call.request.getTransactionId()) ?? new Uint8Array();
    checkSignature(creator, env?.getPayload_asU8() ?? new Uint8Array(), env?.getSignature_asU8() ?? new Uint8Array());
    reply(script.submit, callback, () => new gateway.SubmitResponse());
  },
  commitStatus(
    call: { request: gateway.SignedCommitStatusRequest },
    callback: (err: unknown, value?: gateway.CommitStatusResponse) => void,
  ) {
    const req = gateway.CommitStatusRequest.deserializeBinary(call.request.getRequest_asU8());
    checkSignature(req.getIdentity_asU8(), call.request.getRequest_asU8(), call.request.getSignature_asU8());
    const answer = script.commit;
    if (answer.kind === 'code') {
      const res = new gateway.CommitStatusResponse();
      res.setResult(answer.code as peer.TxValidationCodeMap[keyof peer.TxValidationCodeMap]);
      res.setBlockNumber(7);
      callback(null, res);
      return;
    }
    reply(answer, callback, () => new gateway.CommitStatusResponse());
  },
  evaluate(call: { request: gateway.EvaluateRequest }, callback: (err: unknown, value?: gateway.EvaluateResponse) => void) {
    const signed = call.request.getProposedTransaction();
    const bytes = signed?.getProposalBytes_asU8() ?? new Uint8Array();
    checkSignature(creatorOfProposal(bytes), bytes, signed?.getSignature_asU8() ?? new Uint8Array());
    const answer = script.evaluate;
    reply(answer, callback, () => {
      const res = new gateway.EvaluateResponse();
      const response = new peer.Response();
      response.setStatus(200);
      response.setPayload(Buffer.from(answer.kind === 'ok' ? (answer.result ?? '') : ''));
      res.setResult(response);
      return res;
    });
  },
};

async function startServer(creds: ServerCredentials): Promise<{ server: Server; port: number }> {
  const server = new Server();
  server.addService(gateway.GatewayService, impl as never);
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? rej(err) : res(p))),
  );
  return { server, port };
}

let dir: string;
let server: Server;
let file: string;
let tlsFile: string;
let tlsServer: Server;
const connectors: Connector[] = [];

async function connector(f: string, signer: string, workerIndex = 0): Promise<Connector> {
  const c = await createFabricGatewayConnector({
    workerIndex,
    workerCount: 2,
    txTimeoutMs: 5000,
    network: { connector: 'fabric-gateway', file: f, options: { signer } },
  });
  connectors.push(c);
  return c;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-fgw-scripted-'));
  const userKeys = await keyPair();
  const certPem = await certificate('User1@org1.example.com', userKeys);
  const keyPem = toPem(await webcrypto.subtle.exportKey('pkcs8', userKeys.privateKey), 'PRIVATE KEY');
  const identities = [{ name: 'User1@org1.example.com', mspId: 'Org1MSP', certPem, keyPem }];

  ({ server } = await startServer(SC.createInsecure()).then(async (s) => {
    file = join(dir, 'plain.json');
    await writeFile(
      file,
      JSON.stringify({
        kind: 'ledgerbench-connection',
        version: 1,
        channel: 'mychannel',
        channels: ['mychannel', 'other'],
        peers: [{ name: 'peer0.org1.example.com', mspId: 'Org1MSP', endpoint: `127.0.0.1:${s.port}` }],
        identities,
        chaincodes: [{ name: 'simple', channel: 'mychannel' }],
      }),
    );
    return s;
  }));

  // TLS: a CA, and a server certificate for peer0.org1.example.com (not for 127.0.0.1), so the
  // connection only works when the connector applies the host name override.
  const caKeys = await keyPair();
  const caPem = await certificate('tlsca.org1.example.com', caKeys, undefined, [
    new x509.BasicConstraintsExtension(true, undefined, true),
  ]);
  const serverKeys = await keyPair();
  const serverPem = await certificate('peer0.org1.example.com', serverKeys, { name: 'CN=tlsca.org1.example.com', keys: caKeys }, [
    new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'peer0.org1.example.com' }]),
  ]);
  const serverKeyPem = toPem(await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey), 'PRIVATE KEY');
  const tls = await startServer(
    SC.createSsl(null, [{ cert_chain: Buffer.from(serverPem), private_key: Buffer.from(serverKeyPem) }], false),
  );
  tlsServer = tls.server;
  tlsFile = join(dir, 'tls.yaml');
  const caFile = join(dir, 'tlsca.pem');
  await writeFile(caFile, caPem);
  await writeFile(join(dir, 'user.pem'), certPem);
  await writeFile(join(dir, 'user_sk'), keyPem);
  await writeFile(
    tlsFile,
    `name: scripted
version: 1.0.0
organizations:
  Org1:
    mspid: Org1MSP
    peers: [peer0.org1.example.com]
peers:
  peer0.org1.example.com:
    url: grpcs://127.0.0.1:${tls.port}
    tlsCACerts:
      path: tlsca.pem
    grpcOptions:
      ssl-target-name-override: peer0.org1.example.com
ledgerbench:
  channel: mychannel
  identities:
    - mspId: Org1MSP
      certPath: user.pem
      keyPath: user_sk
`,
  );
});

afterAll(async () => {
  for (const c of connectors) await c.close();
  for (const release of hanging.splice(0)) release();
  server?.forceShutdown();
  tlsServer?.forceShutdown();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  script = defaultScript();
});

describe.each(['node-crypto', 'sdk-default'])('signer %s', (signer) => {
  test('submit and evaluate succeed with phases, payload and tx id; every signature verifies and is low-S', async () => {
    const c = await connector(file, signer);
    const before = { ...seen };
    for (let i = 0; i < 20; i++) {
      const out = await c.submit({ contract: 'simple', fn: 'open', args: [`a${i}`, '100'] });
      expect(out).toMatchObject({ ok: true });
      expect(Buffer.from(out.payload ?? []).toString()).toBe('endorsed');
      expect(out.txId).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.keys(out.phases ?? {})).toEqual(['endorse', 'order', 'commit']);
      for (const v of Object.values(out.phases ?? {})) expect(v).toBeGreaterThanOrEqual(0);
    }
    const ev = await c.evaluate({ contract: 'simple', fn: 'query', args: ['a0'] });
    expect(ev.ok).toBe(true);
    expect(Buffer.from(ev.payload ?? []).toString()).toBe('evaluated');
    expect(Object.keys(ev.phases ?? {})).toEqual(['evaluate']);
    // 20 proposals + 20 envelopes + 20 commit-status requests + 1 evaluation, all verified by the server.
    expect(seen.signatures - before.signatures).toBe(61);
    expect(seen.badSignatures - before.badSignatures).toBe(0);
    expect(seen.highS - before.highS).toBe(0);
    expect(seen.functions.at(-1)).toBe('open');
  });
});

describe('failures become outcomes, never exceptions', () => {
  test('a chaincode error at endorsement: stage endorse, stable reason, the chaincode message kept', async () => {
    const c = await connector(file, 'node-crypto');
    script.endorse = {
      kind: 'error',
      code: status.ABORTED,
      message: 'failed to endorse transaction, see attached details for more info',
      details: [{ address: 'peer0.org1.example.com:7051', mspId: 'Org1MSP', message: 'chaincode response 500, account a7 not found' }],
    };
    const out = await c.submit({ contract: 'simple', fn: 'transfer', args: ['a7', 'b', '1'] });
    expect(out).toMatchObject({ ok: false, stage: 'endorse', reason: 'endorse: chaincode error' });
    expect(out.message).toContain('account a7 not found');
    expect(out.message).toContain('Org1MSP');
    expect(out.phases).toBeUndefined();
  });

  test('an unknown function is its own reason', async () => {
    const c = await connector(file, 'node-crypto');
    const notFound = 'chaincode response 500, You\'ve asked to invoke a function that does not exist: nope';
    script.endorse = { kind: 'error', code: status.ABORTED, message: 'failed to endorse transaction', details: [{ address: 'p', mspId: 'Org1MSP', message: notFound }] };
    script.evaluate = { kind: 'error', code: status.UNKNOWN, message: `evaluate call to endorser returned error: ${notFound}` };
    expect(await c.submit({ contract: 'simple', fn: 'nope', args: [] })).toMatchObject({ stage: 'endorse', reason: 'endorse: unknown function' });
    expect(await c.evaluate({ contract: 'simple', fn: 'nope', args: [] })).toMatchObject({ stage: 'evaluate', reason: 'evaluate: unknown function' });
    script.evaluate = { kind: 'error', code: status.UNKNOWN, message: 'evaluate call to endorser returned error: chaincode response 500, boom' };
    const ev = await c.evaluate({ contract: 'simple', fn: 'query', args: [] });
    expect(ev).toMatchObject({ ok: false, stage: 'evaluate', reason: 'evaluate: chaincode error' });
    expect(ev.message).toContain('boom');
  });

  test('gateway-side UNAVAILABLE (another peer down) is not a connection failure; reasons stay free of tx ids', async () => {
    const c = await connector(file, 'node-crypto');
    script.endorse = {
      kind: 'error',
      code: status.UNAVAILABLE,
      message: 'failed to collect enough transaction endorsements',
      details: [{ address: 'peer0.org2.example.com:9051', mspId: 'Org2MSP', message: 'connection refused' }],
    };
    const out = await c.submit({ contract: 'simple', fn: 'open', args: ['x', '1'] });
    expect(out).toMatchObject({ ok: false, stage: 'endorse', reason: 'endorse: UNAVAILABLE' });

    script.endorse = { kind: 'ok', result: 'x' };
    script.submit = { kind: 'error', code: status.ABORTED, message: 'received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, tx 1234abcd' };
    const sub = await c.submit({ contract: 'simple', fn: 'open', args: ['x', '1'] });
    expect(sub).toMatchObject({ ok: false, stage: 'submit', reason: 'order: ABORTED' });
    expect(Object.keys(sub.phases ?? {})).toEqual(['endorse']);
    expect(sub.message).toContain('1234abcd');
    expect(sub.reason).not.toMatch(/\d/);

    const long = 'x'.repeat(5000);
    script.submit = { kind: 'error', code: status.FAILED_PRECONDITION, message: long };
    const big = await c.submit({ contract: 'simple', fn: 'open', args: ['x', '1'] });
    expect(big.reason).toBe('order: FAILED_PRECONDITION');
    expect(big.message?.length).toBeLessThanOrEqual(512);
  });

  // Messages as a Fabric 2.5 peer words them (internal/peer/node/grpc_limiters.go, internal/pkg/gateway),
  // with the codes it sends them with.
  test.each([
    {
      what: "the gateway's own concurrency limit (UNKNOWN, no details)",
      answer: { code: status.UNKNOWN, message: 'too many requests for /gateway.Gateway, exceeding concurrency limit (500)' },
      reason: 'endorse: RESOURCE_EXHAUSTED (gateway concurrency limit)',
    },
    {
      what: "another peer's endorser concurrency limit, in the details",
      answer: {
        code: status.ABORTED,
        message: 'failed to collect enough transaction endorsements, see attached details for more info',
        details: [{ address: 'peer0.org2.example.com:9051', mspId: 'Org2MSP', message: 'rpc error: code = Unknown desc = too many requests for /protos.Endorser, exceeding concurrency limit (2500)' }],
      },
      reason: 'endorse: RESOURCE_EXHAUSTED (endorser concurrency limit)',
    },
    {
      what: 'differing endorsements',
      answer: {
        code: status.ABORTED,
        message: 'failed to collect enough transaction endorsements, see attached details for more info',
        details: [{ address: 'peer0.org2.example.com:9051', mspId: 'Org2MSP', message: 'ProposalResponsePayloads do not match' }],
      },
      reason: 'endorse: endorsement mismatch',
    },
    {
      what: 'a policy no set of peers satisfies',
      answer: {
        code: status.FAILED_PRECONDITION,
        message: 'no combination of peers can be derived which satisfy the endorsement policy: required chaincodes are not installed on sufficient peers',
      },
      reason: 'endorse: no endorsing peers (policy)',
    },
    {
      what: 'endorsers down',
      answer: {
        code: status.FAILED_PRECONDITION,
        message: 'failed to select a set of endorsers that satisfy the endorsement policy due to unavailability of peers: [peer0.org2.example.com:9051]',
      },
      reason: 'endorse: no endorsing peers (unavailable)',
    },
    {
      what: 'requested organizations without peers (UNAVAILABLE without details is still not a connection failure)',
      answer: { code: status.UNAVAILABLE, message: 'failed to find any endorsing peers for org(s): Org3MSP' },
      reason: 'endorse: no endorsing peers (requested organizations)',
    },
  ])('endorse reason for $what', async ({ answer, reason }) => {
    const c = await connector(file, 'node-crypto');
    script.endorse = { kind: 'error', ...answer };
    const out = await c.submit({ contract: 'simple', fn: 'open', args: ['x', '1'] });
    expect(out).toMatchObject({ ok: false, stage: 'endorse', reason });
    // The full text stays in the message, for the log; the reason never carries its numbers.
    expect(out.message).toContain(answer.details?.[0].message ?? answer.message);
    expect(out.reason).not.toMatch(/\d/);
  });

  test('evaluate reasons: no peers to evaluate on, and a chaincode error keeps its own reason', async () => {
    const c = await connector(file, 'node-crypto');
    script.evaluate = { kind: 'error', code: status.FAILED_PRECONDITION, message: 'no peers available to evaluate chaincode simple in channel mychannel' };
    expect(await c.evaluate({ contract: 'simple', fn: 'query', args: ['a'] })).toMatchObject({ stage: 'evaluate', reason: 'evaluate: no endorsing peers (unavailable)' });
    script.evaluate = { kind: 'error', code: status.UNKNOWN, message: 'evaluate call to endorser returned error: chaincode response 500, asset a does not exist' };
    expect(await c.evaluate({ contract: 'simple', fn: 'query', args: ['a'] })).toMatchObject({ stage: 'evaluate', reason: 'evaluate: chaincode error' });
  });

  test('a validation code other than VALID: stage commit, reason and validationCode are the code name', async () => {
    const c = await connector(file, 'node-crypto');
    for (const [code, name] of [
      [peer.TxValidationCode.MVCC_READ_CONFLICT, 'MVCC_READ_CONFLICT'],
      [peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE, 'ENDORSEMENT_POLICY_FAILURE'],
      [peer.TxValidationCode.PHANTOM_READ_CONFLICT, 'PHANTOM_READ_CONFLICT'],
    ] as const) {
      script.commit = { kind: 'code', code };
      const out = await c.submit({ contract: 'simple', fn: 'transfer', args: ['a', 'b', '1'] });
      expect(out).toMatchObject({ ok: false, stage: 'commit', reason: name, validationCode: name });
      expect(Object.keys(out.phases ?? {})).toEqual(['endorse', 'order', 'commit']);
      expect(out.message).toContain(out.txId);
    }
  });

  test('per-call deadlines: a silent commit times out as timeout: commit', async () => {
    const c = await connector(file, 'node-crypto');
    script.commit = { kind: 'hang' };
    const t0 = Date.now();
    const out = await c.submit({ contract: 'simple', fn: 'open', args: ['x', '1'], timeoutMs: 600 });
    expect(out).toMatchObject({ ok: false, stage: 'timeout', reason: 'timeout: commit' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    script.evaluate = { kind: 'hang' };
    expect(await c.evaluate({ contract: 'simple', fn: 'q', args: [], timeoutMs: 300 })).toMatchObject({
      stage: 'timeout',
      reason: 'timeout: evaluate',
    });
  });

  test('request channel, endorsing organizations, transient data and bad arguments', async () => {
    const c = await connector(file, 'node-crypto');
    const out = await c.submit({
      contract: 'simple',
      fn: 'put',
      args: ['k'],
      channel: 'other',
      transient: { secret: 'v' },
      endorsingOrgs: ['Org1MSP', 'Org2MSP'],
    });
    expect(out.ok).toBe(true);
    expect(seen.channels.at(-1)).toBe('other');
    expect(seen.endorsingOrgs.at(-1)).toEqual(['Org1MSP', 'Org2MSP']);
    expect(seen.transientKeys.at(-1)).toEqual(['secret']);
    await c.submit({ contract: 'simple', fn: 'put', args: ['k'] });
    expect(seen.channels.at(-1)).toBe('mychannel');
    expect(seen.endorsingOrgs.at(-1)).toEqual([]);
    // A non-string argument makes the SDK throw synchronously; it still becomes an outcome.
    const bad = await c.submit({ contract: 'simple', fn: 'put', args: [{} as unknown as string] });
    expect(bad).toMatchObject({ ok: false, stage: 'endorse', reason: 'endorse: client error' });
  });

  test('the server going away mid-flight turns pending calls into failures', async () => {
    const { server: s, port } = await startServer(SC.createInsecure());
    const f = join(dir, 'dying.json');
    const plain = JSON.parse(await (await import('node:fs/promises')).readFile(file, 'utf8'));
    plain.peers[0].endpoint = `127.0.0.1:${port}`;
    await writeFile(f, JSON.stringify(plain));
    const c = await connector(f, 'node-crypto');
    script.commit = { kind: 'hang' };
    const pending = [1, 2, 3].map((i) => c.submit({ contract: 'simple', fn: 'open', args: [`d${i}`, '1'], timeoutMs: 20_000 }));
    while (hanging.length < 3) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    s.forceShutdown();
    const outs = await Promise.all(pending);
    expect(Date.now() - t0).toBeLessThan(10_000);
    for (const out of outs) {
      expect(out.ok).toBe(false);
      expect(out.stage).toBe('connection');
      expect(out.reason).toMatch(/^commit: (UNAVAILABLE|CANCELLED)$/);
    }
    hanging.splice(0);
    // And new calls fail fast as connection failures.
    const after = await c.submit({ contract: 'simple', fn: 'open', args: ['e', '1'], timeoutMs: 5000 });
    expect(after).toMatchObject({ ok: false, stage: 'connection', reason: 'endorse: UNAVAILABLE' });
  });

  test('close() makes later calls fail as outcomes, and is idempotent', async () => {
    const c = await connector(file, 'node-crypto');
    await c.close();
    await c.close();
    const out = await c.submit({ contract: 'simple', fn: 'open', args: ['x', '1'] });
    expect(out.ok).toBe(false);
  });
});

describe('TLS with a host name override', () => {
  test('grpcs profile with a CA file connects and submits', async () => {
    const c = await connector(tlsFile, 'node-crypto');
    const out = await c.submit({ contract: 'simple', fn: 'open', args: ['t', '1'] });
    expect(out).toMatchObject({ ok: true });
  });

  test('a server certificate from another CA is a connection failure naming the TLS problem', async () => {
    const { readFile } = await import('node:fs/promises');
    const wrongCa = await certificate('someone-else', await keyPair(), undefined, [
      new x509.BasicConstraintsExtension(true, undefined, true),
    ]);
    await writeFile(join(dir, 'wrong-ca.pem'), wrongCa);
    const f = join(dir, 'tls-wrong-ca.yaml');
    await writeFile(f, (await readFile(tlsFile, 'utf8')).replace('path: tlsca.pem', 'path: wrong-ca.pem'));
    const c = await connector(f, 'node-crypto');
    const out = await c.submit({ contract: 'simple', fn: 'open', args: ['t', '1'], timeoutMs: 3000 });
    expect(out).toMatchObject({ ok: false, stage: 'connection', reason: 'endorse: UNAVAILABLE' });
    expect(out.message).toMatch(/certificate/i);
  });
});
