/**
 * An in-memory PKCS#11 port for unit tests of what the tool does with each PKCS#11 answer.
 * Tokens hold Ed25519 keys made with node:crypto; any call can be told to fail with a CKR_ value.
 */
import { generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import {
  CK,
  PortError,
  type Pkcs11Port,
  type PortAttributeName,
  type PortAttributes,
  type PortMechanism,
  type PortModule,
  type PortObject,
  type PortSession,
  type PortSlot,
  type PortTokenInfo,
} from '../../src/keys/pkcs11-port.js';

interface FakeObject {
  handle: string;
  attrs: PortAttributes;
  privateKey?: KeyObject;
  /** The session that made it, when the token keeps it only there (a broken token store). */
  onlyIn?: PortSession;
}

export class FakeToken {
  flags = CK.CKF_TOKEN_INITIALIZED | CK.CKF_USER_PIN_INITIALIZED | CK.CKF_LOGIN_REQUIRED;
  objects: FakeObject[] = [];
  mechanisms: number[] = [
    CK.CKM_EC_EDWARDS_KEY_PAIR_GEN,
    CK.CKM_EDDSA,
    CK.CKM_EC_KEY_PAIR_GEN,
    CK.CKM_ECDSA,
    CK.CKM_RSA_PKCS_KEY_PAIR_GEN,
    CK.CKM_RSA_PKCS_PSS,
  ];
  /** C_ function name → CKR_ value it fails with. */
  failures = new Map<string, string>();
  /** Flags to set after a failed login (the token's own PIN counter). */
  flagsAfterWrongPin = 0;
  /** Attributes the token silently ignores when generating. */
  ignores: PortAttributeName[] = [];
  /** What the token reports on a new private key instead of what it was asked (NSS: local false). */
  reports: PortAttributes = {};
  /** New keys are visible only in the session that made them: the token never kept them. */
  forgets = false;
  /** Whether CKA_EC_POINT comes back bare instead of DER-wrapped. */
  barePoint = false;
  /** Refuse the Ed25519 OID as curve parameters (wants the printable name). */
  wantsCurveName = false;
  /** Sign with some other key (a broken or lying token). */
  signsWrong = false;
  present = true;
  loggedIn = false;
  constructor(
    readonly label: string,
    readonly serial: string,
    readonly pin: string,
  ) {}

  fail(op: string): void {
    const ckr = this.failures.get(op);
    if (ckr) throw new PortError(ckr, op);
    if (!this.present) throw new PortError('CKR_DEVICE_REMOVED', op);
  }

  info(): PortTokenInfo {
    return { label: this.label, serial: this.serial, model: 'fake', manufacturer: 'test', flags: this.flags };
  }
}

let handles = 0;

function matches(o: FakeObject, template: PortAttributes): boolean {
  return Object.entries(template).every(([k, v]) => {
    const have = o.attrs[k as PortAttributeName];
    return Buffer.isBuffer(v) ? Buffer.isBuffer(have) && have.equals(v) : have === v;
  });
}

class FakeSession implements PortSession {
  constructor(private readonly token: FakeToken) {}
  login(pin: string): void {
    this.token.fail('C_Login');
    if (this.token.flags & CK.CKF_USER_PIN_LOCKED) throw new PortError('CKR_PIN_LOCKED', 'C_Login');
    if (pin !== this.token.pin) {
      this.token.flags |= this.token.flagsAfterWrongPin;
      throw new PortError('CKR_PIN_INCORRECT', 'C_Login');
    }
    this.token.loggedIn = true;
  }
  logout(): void {
    this.token.loggedIn = false;
    this.token.fail('C_Logout');
  }
  close(): void {
    this.token.fail('C_CloseSession');
  }
  find(template: PortAttributes): PortObject[] {
    this.token.fail('C_FindObjects');
    const visible = (o: FakeObject) => (this.token.loggedIn || !o.attrs.private) && (!o.onlyIn || o.onlyIn === this);
    return this.token.objects.filter((o) => visible(o) && matches(o, template)).map((o) => ({ handle: o.handle }));
  }
  private object(o: PortObject): FakeObject {
    const found = this.token.objects.find((x) => x.handle === o.handle);
    if (!found) throw new PortError('CKR_OBJECT_HANDLE_INVALID', '');
    return found;
  }
  getAttributes(object: PortObject, names: PortAttributeName[]): PortAttributes {
    this.token.fail('C_GetAttributeValue');
    const o = this.object(object);
    const out: Record<string, unknown> = {};
    for (const n of names) out[n] = o.attrs[n];
    return out;
  }
  generateKeyPair(mechanism: number, pub: PortAttributes, priv: PortAttributes) {
    this.token.fail('C_GenerateKeyPair');
    if (mechanism !== CK.CKM_EC_EDWARDS_KEY_PAIR_GEN) throw new PortError('CKR_MECHANISM_INVALID', 'C_GenerateKeyPair');
    if (this.token.wantsCurveName && pub.paramsEC?.[0] === 0x06)
      throw new PortError('CKR_ATTRIBUTE_VALUE_INVALID', 'C_GenerateKeyPair');
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const point = this.token.barePoint ? raw : Buffer.concat([Buffer.from([0x04, 0x20]), raw]);
    const privAttrs: PortAttributes = { ...priv, alwaysSensitive: true, neverExtractable: true, local: true };
    for (const name of this.token.ignores) delete privAttrs[name];
    Object.assign(privAttrs, this.token.reports);
    const onlyIn = this.token.forgets ? this : undefined;
    const pubObj: FakeObject = { handle: `h${++handles}`, attrs: { ...pub, pointEC: point }, onlyIn };
    const privObj: FakeObject = { handle: `h${++handles}`, attrs: privAttrs, privateKey, onlyIn };
    this.token.objects.push(pubObj, privObj);
    return { publicKey: { handle: pubObj.handle }, privateKey: { handle: privObj.handle } };
  }
  destroy(object: PortObject): void {
    this.token.objects = this.token.objects.filter((o) => o.handle !== object.handle);
  }
  sign(mechanism: PortMechanism, key: PortObject, data: Uint8Array): Buffer {
    this.token.fail('C_SignInit');
    this.token.fail('C_Sign');
    if (!this.token.loggedIn) throw new PortError('CKR_USER_NOT_LOGGED_IN', 'C_Sign');
    if (mechanism.type !== CK.CKM_EDDSA) throw new PortError('CKR_MECHANISM_INVALID', 'C_SignInit');
    const o = this.object(key);
    const k = this.token.signsWrong ? generateKeyPairSync('ed25519').privateKey : o.privateKey!;
    return nodeSign(null, data, k);
  }
}

class FakeModule implements PortModule {
  readonly description = 'fake PKCS#11 module';
  finalized = 0;
  constructor(private readonly port: FakePort) {}
  private token(slotId: string): FakeToken {
    const t = this.port.tokens.find((x) => x.serial === slotId);
    if (!t || !t.present) throw new PortError('CKR_TOKEN_NOT_PRESENT', 'C_GetTokenInfo');
    return t;
  }
  slots(): PortSlot[] {
    return this.port.tokens
      .filter((t) => t.present)
      .map((t) => ({ id: t.serial, description: `slot of ${t.label}`, token: t.info() }));
  }
  tokenInfo(slotId: string): PortTokenInfo {
    return this.token(slotId).info();
  }
  mechanisms(slotId: string): number[] {
    return this.token(slotId).mechanisms;
  }
  openSession(slotId: string): PortSession {
    const t = this.token(slotId);
    t.fail('C_OpenSession');
    return new FakeSession(t);
  }
  finalize(): void {
    this.port.finalized++;
  }
}

export class FakePort implements Pkcs11Port {
  tokens: FakeToken[] = [];
  loadError: string | undefined;
  loads = 0;
  finalized = 0;
  load(): PortModule {
    if (this.loadError !== undefined) throw new PortError('MODULE_LOAD', 'load', this.loadError);
    this.loads++;
    return new FakeModule(this);
  }
  add(label: string, serial: string, pin: string): FakeToken {
    const t = new FakeToken(label, serial, pin);
    this.tokens.push(t);
    return t;
  }
}
