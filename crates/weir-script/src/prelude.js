// weir's PipyJS prelude: event classes and helper globals written in JS.
// Runs once per worker before any user module. `host` holds native hooks; `api` is what
// this returns to the host.
(function (host) {
  'use strict';
  var g = globalThis;
  function hide(name, value) {
    Object.defineProperty(g, name, { value: value, writable: true, configurable: true, enumerable: false });
  }

  class MessageStart {
    constructor(head) { this.head = head; }
    toString() { return '[object MessageStart]'; }
  }
  class MessageEnd {
    constructor(tail, payload) { this.tail = tail; this.payload = payload; }
    toString() { return '[object MessageEnd]'; }
  }
  var codes = host.errorCodes;
  class StreamEnd {
    constructor(error) {
      if (error !== undefined && error !== null && error !== '') {
        var name = String(error);
        if (codes.indexOf(name) < 0) throw new TypeError('unknown StreamEnd error code: ' + name);
        this.error = name;
      } else {
        this.error = undefined;
      }
    }
    toString() { return '[object StreamEnd]'; }
  }
  function asBody(b) {
    if (b === undefined || b === null) return null;
    if (b instanceof Data) return b;
    return new Data(String(b));
  }
  class Message {
    constructor(a, b, c) {
      if (arguments.length === 1 && (typeof a === 'string' || a instanceof Data)) {
        this.head = undefined; this.body = asBody(a); this.tail = undefined;
      } else {
        this.head = a; this.body = asBody(b); this.tail = c;
      }
      this.payload = undefined;
    }
    toString() { return '[object Message]'; }
  }
  hide('MessageStart', MessageStart);
  hide('MessageEnd', MessageEnd);
  hide('StreamEnd', StreamEnd);
  hide('Message', Message);

  // Pipy: then(nonFunction) resolves to that value instead of passing the result on.
  var then = Promise.prototype.then;
  Object.defineProperty(Promise.prototype, 'then', {
    value: function (f, r) {
      if (f !== undefined && f !== null && typeof f !== 'function') { var v = f; f = function () { return v; }; }
      if (r !== undefined && r !== null && typeof r !== 'function') { var w = r; r = function () { return w; }; }
      return then.call(this, f, r);
    },
    writable: true, configurable: true, enumerable: false,
  });

  function thunk(v) { return typeof v === 'function' ? v() : v; }
  // repeat(fn) / repeat(count, fn) / repeat(array, fn): stops at the first non-undefined result.
  hide('repeat', function (a, b) {
    var r, i;
    if (typeof a === 'function') {
      for (i = 0; ; i++) { r = a(i); if (r !== undefined) return r; }
    } else if (Array.isArray(a)) {
      for (i = 0; i < a.length; i++) { r = b(a[i], i); if (r !== undefined) return r; }
    } else {
      var n = Number(a);
      for (i = 0; i < n; i++) { r = b(i); if (r !== undefined) return r; }
    }
    return undefined;
  });
  hide('invoke', function (fn, catcher) {
    try { return fn(); } catch (e) { return typeof catcher === 'function' ? catcher(e) : catcher; }
  });
  hide('branch', function () {
    var n = arguments.length, i;
    for (i = 0; i + 1 < n; i += 2) { if (thunk(arguments[i])) return thunk(arguments[i + 1]); }
    return i < n ? thunk(arguments[i]) : undefined;
  });
  hide('select', function (x) {
    var n = arguments.length, i;
    for (i = 1; i + 1 < n; i += 2) { if (x === arguments[i]) return thunk(arguments[i + 1]); }
    return i < n ? thunk(arguments[i]) : undefined;
  });

  // Identity numbers for objects used as keys (muxHTTP sessions, balancer borrowers).
  var ids = new WeakMap(), nextId = 1;
  hide('__weir_objectId', function (o) {
    var id = ids.get(o);
    if (id === undefined) { id = nextId++; ids.set(o, id); }
    return id;
  });

  // Context variables and fiber variables: accessors on each module's scope object that
  // read the slots of the stream that is running now (set by the host before every entry
  // into JS). Slot 0 holds __inbound, slot 1 is true in era-C (fiber) streams. While a
  // module loads there is no stream: fiber variables then read and write their initial
  // values; context variables are an error, as in Pipy.
  var cur, inits = [null, false];
  function defineVar(scope, name, slot, fiber) {
    Object.defineProperty(scope, name, {
      get: function () {
        if (cur === undefined) {
          if (fiber) return inits[slot];
          throw new ReferenceError('context variable ' + name + ' is only available inside a pipeline');
        }
        if (fiber && cur[1] !== true) throw new ReferenceError('referencing fiber variable ' + name + ' without a fiber (in a pipy() pipeline)');
        return cur[slot];
      },
      set: function (v) {
        if (cur === undefined) {
          if (fiber) { inits[slot] = v; return; }
          throw new ReferenceError('context variable ' + name + ' is only available inside a pipeline');
        }
        if (fiber && cur[1] !== true) throw new ReferenceError('referencing fiber variable ' + name + ' without a fiber (in a pipy() pipeline)');
        cur[slot] = v;
      },
      enumerable: true, configurable: true,
    });
  }
  hide('__weir_export', function (o, name, get) {
    Object.defineProperty(o, name, { get: get, enumerable: true, configurable: true });
  });
  hide('__weir_reexport', function (o, src) {
    Object.keys(src).forEach(function (k) {
      if (k !== 'default' && !Object.prototype.hasOwnProperty.call(o, k)) {
        Object.defineProperty(o, k, { get: function () { return src[k]; }, enumerable: true, configurable: true });
      }
    });
  });
  return {
    MessageStart: MessageStart, MessageEnd: MessageEnd, StreamEnd: StreamEnd, Message: Message,
    defineVar: defineVar,
    setCur: function (a) { cur = a; },
    newSlot: function (v) { inits.push(v); return inits.length - 1; },
    newSlots: function (inbound, fiber) { var a = inits.slice(); a[0] = inbound; a[1] = fiber === true; return a; },
  };
})
