/**
 * What `register` accepts: an instance of a named class, whose name becomes the
 * service's. Checked before the prototype chain is walked, so that a mistake (the class
 * itself, a plain object, an anonymous class) is refused with its reason rather than
 * published under a meaningless name. Added on day 3.
 */

/** Throws a TypeError that names the mistake unless `receiver` is an instance of a named class. */
export function checkReceiver(receiver: unknown): asserts receiver is object {
  if (typeof receiver === 'function') {
    throw new TypeError(`rpc server: register an instance, not the class: new ${receiver.name}()`);
  }
  if (typeof receiver !== 'object' || receiver === null) {
    throw new TypeError(`rpc server: register needs an object, got ${String(receiver)}`);
  }
  const ctor = receiver.constructor;
  if (typeof ctor !== 'function' || ctor === Object || ctor.name === '') {
    throw new TypeError('rpc server: register needs an instance of a named class');
  }
}
