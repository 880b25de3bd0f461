/**
 * The PKCS#11 port on graphene-pk11 (over the pkcs11js native addon). The only module that
 * imports graphene-pk11 (test/architecture.test.ts). It translates calls one to one and turns every
 * native failure into a PortError carrying the CKR_ name; it decides nothing.
 */
import { createRequire } from 'node:module';
import type * as Graphene from 'graphene-pk11';
import {
  PortError,
  type Pkcs11Port,
  type PortInitOptions,
  type PortAttributeName,
  type PortAttributes,
  type PortMechanism,
  type PortModule,
  type PortObject,
  type PortSession,
  type PortSlot,
  type PortTokenInfo,
} from './pkcs11-port.js';

/**
 * graphene-pk11 and its native addon are loaded on first use of a token, not when the CLI starts:
 * most commands (verify, verify-download, dev check, bundle verify) never touch one.
 */
let loaded: typeof Graphene | undefined;
function graphene(): typeof Graphene {
  return (loaded ??= createRequire(import.meta.url)('graphene-pk11') as typeof Graphene);
}

/** Run a native call; a pkcs11js Pkcs11Error carries "CKR_NAME" as its message and the C_ function as `method`. */
function call<T>(operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const err = e as { message?: string; method?: string };
    const ckr = /^(CKR_[A-Z0-9_]+)/.exec(err?.message ?? '')?.[1];
    if (ckr) throw new PortError(ckr, err.method || operation);
    throw new PortError('CKR_FUNCTION_FAILED', operation, err?.message ?? String(e));
  }
}

const trim = (s: string | undefined): string => (s ?? '').replace(/[\s\0]+$/, '');

function tokenInfo(slot: Graphene.Slot): PortTokenInfo {
  const t = call('C_GetTokenInfo', () => slot.getToken());
  return {
    label: trim(t.label),
    serial: trim(t.serialNumber),
    model: trim(t.model),
    manufacturer: trim(t.manufacturerID),
    flags: t.flags,
  };
}

class GrapheneSession implements PortSession {
  private readonly objects = new Map<string, Graphene.SessionObject>();
  constructor(private readonly session: Graphene.Session) {}

  private remember(o: Graphene.SessionObject): PortObject {
    const handle = o.handle.toString('hex');
    this.objects.set(handle, o);
    return { handle };
  }

  private object(o: PortObject): Graphene.SessionObject {
    const found = this.objects.get(o.handle);
    if (!found) throw new PortError('CKR_OBJECT_HANDLE_INVALID', '');
    return found;
  }

  login(pin: string): void {
    call('C_Login', () => this.session.login(pin, graphene().UserType.USER));
  }
  logout(): void {
    call('C_Logout', () => this.session.logout());
  }
  close(): void {
    this.objects.clear();
    call('C_CloseSession', () => this.session.close());
  }
  find(template: PortAttributes): PortObject[] {
    return call('C_FindObjects', () => {
      const found = this.session.find(template as Graphene.ITemplate);
      const out: PortObject[] = [];
      for (let i = 0; i < found.length; i++) out.push(this.remember(found.items(i)));
      return out;
    });
  }
  getAttributes(object: PortObject, names: PortAttributeName[]): PortAttributes {
    const query: Record<string, null> = {};
    for (const n of names) query[n] = null;
    const attrs = call('C_GetAttributeValue', () =>
      this.object(object).getAttribute(query as Graphene.ITemplate),
    ) as Record<string, unknown>;
    // CKA_ECDSA_PARAMS and CKA_EC_PARAMS are one number; graphene names it back by the older name.
    if ('paramsECDSA' in attrs) {
      attrs['paramsEC'] = attrs['paramsECDSA'];
      delete attrs['paramsECDSA'];
    }
    return attrs;
  }
  generateKeyPair(mechanism: number, publicTemplate: PortAttributes, privateTemplate: PortAttributes) {
    const pair = call('C_GenerateKeyPair', () =>
      this.session.generateKeyPair(
        { name: mechanism, params: null },
        publicTemplate as Graphene.ITemplate,
        privateTemplate as Graphene.ITemplate,
      ),
    );
    return { publicKey: this.remember(pair.publicKey), privateKey: this.remember(pair.privateKey) };
  }
  destroy(object: PortObject): void {
    call('C_DestroyObject', () => this.object(object).destroy());
    this.objects.delete(object.handle);
  }
  sign(mechanism: PortMechanism, key: PortObject, data: Uint8Array): Buffer {
    const params = mechanism.pss
      ? new (graphene().RsaPssParams)(mechanism.pss.hashAlg, mechanism.pss.mgf, mechanism.pss.saltLength)
      : null;
    const signer = call('C_SignInit', () =>
      this.session.createSign({ name: mechanism.type, params }, this.object(key) as Graphene.Key),
    );
    return call('C_Sign', () => signer.once(Buffer.from(data)));
  }
}

class GrapheneModule implements PortModule {
  readonly description: string;
  constructor(private readonly module: Graphene.Module) {
    this.description = trim(module.libraryDescription);
  }

  private slot(slotId: string): Graphene.Slot {
    const slots = call('C_GetSlotList', () => this.module.getSlots(true));
    for (let i = 0; i < slots.length; i++) {
      const s = slots.items(i);
      if (s.handle.toString('hex') === slotId) return s;
    }
    throw new PortError('CKR_SLOT_ID_INVALID', 'C_GetSlotList');
  }

  slots(): PortSlot[] {
    const slots = call('C_GetSlotList', () => this.module.getSlots(true));
    const out: PortSlot[] = [];
    for (let i = 0; i < slots.length; i++) {
      const s = slots.items(i);
      out.push({ id: s.handle.toString('hex'), description: trim(s.slotDescription), token: tokenInfo(s) });
    }
    return out;
  }
  tokenInfo(slotId: string): PortTokenInfo {
    return tokenInfo(this.slot(slotId));
  }
  mechanisms(slotId: string): number[] {
    const slot = this.slot(slotId);
    return call('C_GetMechanismList', () => {
      const list = slot.getMechanisms();
      const out: number[] = [];
      for (let i = 0; i < list.length; i++) out.push(list.items(i).type);
      return out;
    });
  }
  openSession(slotId: string, readWrite: boolean): PortSession {
    const slot = this.slot(slotId);
    const flags = graphene().SessionFlag.SERIAL_SESSION | (readWrite ? graphene().SessionFlag.RW_SESSION : 0);
    return new GrapheneSession(call('C_OpenSession', () => slot.open(flags)));
  }
  finalize(): void {
    try {
      call('C_Finalize', () => this.module.finalize());
    } finally {
      this.module.close();
    }
  }
}

export const graphenePort: Pkcs11Port = {
  load(modulePath: string, init: PortInitOptions = {}): PortModule {
    let module: Graphene.Module;
    try {
      module = graphene().Module.load(modulePath);
    } catch (e) {
      throw new PortError('MODULE_LOAD', 'load', (e as Error).message);
    }
    // pkcs11js 2.1.7 copies libraryParameters into a buffer one byte too short (napi_get_value_string_utf8
    // with the length as the buffer size), dropping the last character: a trailing space is what it drops.
    const options =
      init.libraryParameters === undefined ? undefined : { libraryParameters: `${init.libraryParameters} `, flags: 0 };
    try {
      call('C_Initialize', () => module.initialize(options));
    } catch (e) {
      module.close();
      throw e;
    }
    return new GrapheneModule(module);
  },
};
