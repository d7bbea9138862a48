/**
 * Services: the public methods of a class, found at run time and called by name.
 * `server.register(new Foo())` publishes `Foo.sum` and its siblings. Mirrors GeeRPC's
 * service.go, with JavaScript's prototype chain in place of Go's reflect. Added on day 3.
 */
import { checkReceiver } from './guard/receiver.ts';

// A published method: takes the request's argument, returns the reply or a promise of it.
type Method = (this: object, args: unknown) => unknown;

export class MethodType {
  readonly name: string;
  readonly method: Method;
  numCalls = 0;

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
        `rpc server: ${this.name} has no method to publish (a public method with at most one parameter)`,
      );
    }
  }

  /** Calls a method on the receiver; a throw or a rejection comes back as a rejection. */
  async call(m: MethodType, argv: unknown): Promise<unknown> {
    m.numCalls++;
    return await m.method.call(this.receiver, argv);
  }
}

// Looks at the instance's own fields, then walks the prototype chain, most derived class
// first, up to (not including) Object.prototype. What it can see: names, and each function's declared parameter
// count. What it cannot: parameter and return types, which TypeScript erased.
function findMethods(receiver: object): Map<string, MethodType> {
  const methods = new Map<string, MethodType>();
  const seen = new Set<string>(); // a name defined lower down hides the same name above it
  // Exercise 2: the instance's own function-valued fields first (`sum = (args) => ...`),
  // as they hide a method of the same name. An arrow function keeps the `this` of the
  // constructor that made it, the instance, so Service.call's `.call(receiver)` is moot.
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(receiver))) {
    seen.add(name);
    if (isPublished(name, descriptor.value)) {
      methods.set(name, new MethodType(name, descriptor.value));
    }
  }
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
    method.length <= 1 // (args): GeeRPC checks the argument count the same way
  );
}
