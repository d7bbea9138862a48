/**
 * Services: the public methods of a class, found at run time and called by name.
 * `server.register(new Foo())` publishes `Foo.sum` and its siblings. Mirrors GeeRPC's
 * service.go, with JavaScript's prototype chain in place of Go's reflect. Added on day 3;
 * day 4 gave methods a second parameter, the call's context; exercise 5.3 counts errors.
 */
import { checkReceiver } from './guard/receiver.ts';

/**
 * What a method gets beside its argument. `signal` fires when the server gives up on
 * the call (its handle timeout) or the client's connection closes: a method doing
 * long work can listen to it and stop, instead of working for nobody.
 */
export interface CallContext {
  signal: AbortSignal;
}

// A published method: takes the request's argument and the call's context, returns the
// reply or a promise of it.
type Method = (this: object, args: unknown, ctx: CallContext) => unknown;

export class MethodType {
  readonly name: string;
  readonly method: Method;
  numCalls = 0;
  numErrors = 0; // calls answered with an error: a throw, a rejection, a handle timeout

  constructor(name: string, method: Method) {
    this.name = name;
    this.method = method;
  }
}

export class Service {
  readonly name: string;
  readonly receiver: object;
  readonly methods: ReadonlyMap<string, MethodType>;

  /** Throws, saying why, when the receiver cannot be a service. */
  constructor(receiver: object) {
    checkReceiver(receiver);
    this.name = receiver.constructor.name; // JavaScript keeps the class's name at run time
    this.receiver = receiver;
    this.methods = findMethods(receiver);
    if (this.methods.size === 0) {
      throw new TypeError(
        `rpc server: ${this.name} has no method to publish (a public method with at most two parameters)`,
      );
    }
  }

  /** Calls a method on the receiver; a throw or a rejection comes back as a rejection. */
  async call(m: MethodType, argv: unknown, ctx: CallContext): Promise<unknown> {
    m.numCalls++;
    return await m.method.call(this.receiver, argv, ctx);
  }
}

// Walks the prototype chain, most derived class first, up to (not including)
// Object.prototype. What it can see: names, and each function's declared parameter
// count. What it cannot: parameter and return types, which TypeScript erased.
function findMethods(receiver: object): Map<string, MethodType> {
  const methods = new Map<string, MethodType>();
  const seen = new Set<string>(); // a name defined lower down hides the same name above it
  for (
    let proto = Object.getPrototypeOf(receiver);
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (seen.has(name)) continue;
      seen.add(name);
      const method = descriptor.value; // undefined for a getter or setter: never called here
      if (isPublished(name, method)) methods.set(name, new MethodType(name, method));
    }
  }
  return methods;
}

// `#private` methods are not properties at all, so they never reach this check.
function isPublished(name: string, method: unknown): method is Method {
  return (
    typeof method === 'function' &&
    name !== 'constructor' &&
    !name.startsWith('_') &&
    method.length <= 2 // (args, ctx): GeeRPC checks the argument count the same way
  );
}
